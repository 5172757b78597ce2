-- Offences of the Home Office table of crime by CSP counted into the catalogue's measures:
-- one row per CSP (its code, from the name through seeds/areas.csv), measure and quarter the
-- table has the CSP for. seeds/ons_offence_measures.csv says which offence groups and
-- subgroups count into which measure ('*' = any group, blank subgroup = every subgroup of the
-- group); a measure with no offence of the CSP in a published quarter counts 0 (the CSP's
-- quarter is in the table: nothing was recorded), never a gap.
with

offences as (

    select * from {{ ref('stg_ons__csp_crime') }}

),

csps as (

    select distinct csp_name, csp_code
    from {{ ref('areas') }}
    where csp_name is not null

),

offence_measures as (

    select * from {{ ref('ons_offence_measures') }}

),

published as (

    -- each CSP and quarter the table holds, with the latest load of it
    select
        csps.csp_code,
        offences.csp_name,
        offences.period_month,
        any_value(offences.financial_year) as financial_year,
        any_value(offences.financial_quarter) as financial_quarter,
        max(offences.loaded_at) as loaded_at,
        arg_max(offences.source_file, offences.loaded_at) as source_file
    from offences
    inner join csps
        on csps.csp_name = offences.csp_name
    group by all

),

counted as (

    select
        csps.csp_code,
        offences.period_month,
        offence_measures.measure_code,
        sum(offences.offence_count) as offence_count
    from offences
    inner join csps
        on csps.csp_name = offences.csp_name
    inner join offence_measures
        on (offence_measures.offence_group = '*'
            or offence_measures.offence_group = offences.offence_group)
       and (offence_measures.offence_subgroup is null
            or offence_measures.offence_subgroup = offences.offence_subgroup)
    group by all

),

final as (

    select
        published.csp_code,
        published.csp_name,
        measures.measure_code,
        published.period_month,
        published.financial_year,
        published.financial_quarter,
        coalesce(counted.offence_count, 0)::bigint as offence_count,
        published.loaded_at,
        published.source_file
    from published
    cross join (select distinct measure_code from offence_measures) as measures
    left join counted
        on counted.csp_code = published.csp_code
       and counted.period_month = published.period_month
       and counted.measure_code = measures.measure_code

)

select * from final
