-- Every definition every measure has had (seeds/measures.csv: a measure whose definition
-- changed has a row per definition, each from its valid_from): what the numerator and the
-- denominator counted, from when to when. The scorecard labels each figure with the one in
-- force for its period, so a change of definition shows as a new definition from a date,
-- never as a silent jump.
with

catalogue as (

    select * from {{ ref('measures') }}

),

dated as (

    select
        measure_code,
        valid_from,
        lead(valid_from) over (partition by measure_code order by valid_from nulls first)
            as valid_to,
        row_number() over (partition by measure_code order by valid_from nulls first)
            as definition_number,
        count(*) over (partition by measure_code) as definitions_of_measure,
        description,
        numerator_rule,
        denominator_rule,
        numerator_definition,
        denominator_definition
    from catalogue

)

select
    measure_code::varchar as measure_code,
    definition_number::integer as definition_number,
    valid_from::date as valid_from,
    valid_to::date as valid_to,
    (valid_to is null)::boolean as is_current,
    definitions_of_measure::integer as definitions_of_measure,
    description::varchar as description,
    numerator_rule::varchar as numerator_rule,
    denominator_rule::varchar as denominator_rule,
    numerator_definition::varchar as numerator_definition,
    denominator_definition::varchar as denominator_definition
from dated
