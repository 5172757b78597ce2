-- The measure catalogue (seeds/measures.csv) as analysts and the serving file read it: one row
-- per measure, with how it is counted, in words and as the rule the SQL is generated from: the
-- definition in force now (a measure whose definition changed has a row per definition in the
-- catalogue; dim_measure_definition has them all, with their dates).
select
    measure_code,
    measure_name,
    description,
    domain,
    display_order,
    unit,
    period_type,
    method,
    source,
    numerator_rule,
    denominator_rule,
    nullif(trim(rate_denominator), '') as rate_denominator,
    try_cast(nullif(trim(rate_per), '') as integer) as rate_per,
    higher_is_better,
    numerator_definition,
    denominator_definition,
    valid_from as definition_valid_from
from {{ ref('measures') }}
qualify row_number() over (partition by measure_code order by valid_from desc nulls last) = 1
