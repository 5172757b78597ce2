{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    on_schema_change='fail',
    post_hook="{{ record_incremental_state() }}",
) }}
-- Incremental by month (macros/incremental_months.sql): a month's rows depend only on the
-- scorecard's source for that month and the month's counts, so a run recomputes only the
-- months changed (every month when a seed or an upstream model changed).
-- Crime counts by LSOA: one row per LSOA × month × crime measure with something counted
-- (aggregates only, no person-level column), for the LSOAs of every CSP the scorecard covers.
-- The months and the source counted for each (CSP, month, measure) are the scorecard's own
-- (int_scorecard__crime_monthly at area_type 'csp', months with data only), and the counts
-- come from the same int_crime__measure_counts, so the LSOA counts of a CSP and month add up
-- to the scorecard's CSP count. An LSOA with no row for a month the scorecard has data for
-- counted 0 (most LSOAs, most months: rows of zeros would be nine in ten of the table).
with

csp_months as (

    select measure_code, area_code as csp_code, period_month, source
    from {{ ref('int_scorecard__crime_monthly') }}
    where area_type = 'csp'
      and source is not null
      and {{ incremental_months_where('period_month') }}

),

lsoas as (

    select
        lsoa.area_code as lsoa_code,
        lsoa.area_name as lsoa_name,
        lsoa.csp_code,
        csp.area_name as csp_name
    from {{ ref('dim_area') }} as lsoa
    left join {{ ref('dim_area') }} as csp
        on csp.area_code = lsoa.csp_code
       and csp.area_type = 'csp'
    where lsoa.area_type = 'lsoa'
      and lsoa.csp_code is not null

),

lsoa_counts as (

    select measure_code, lsoa_code, csp_code, period_month, source, sum(event_count) as n
    from {{ ref('int_crime__measure_counts') }}
    where lsoa_code is not null
      and csp_code is not null
      and {{ incremental_months_where('period_month') }}
    group by all

),

measures as (

    select measure_code, measure_name from {{ ref('dim_measure') }}

),

final as (

    select
        lsoas.lsoa_code::varchar as lsoa_code,
        lsoas.lsoa_name::varchar as lsoa_name,
        lsoas.csp_code::varchar as csp_code,
        lsoas.csp_name::varchar as csp_name,
        csp_months.period_month::date as period_month,
        {{ financial_year('csp_months.period_month') }}::varchar as financial_year,
        csp_months.measure_code::varchar as measure_code,
        measures.measure_name::varchar as measure_name,
        lsoa_counts.n::bigint as "count"
    from csp_months
    inner join lsoa_counts
        on lsoa_counts.measure_code = csp_months.measure_code
       and lsoa_counts.csp_code = csp_months.csp_code
       and lsoa_counts.period_month = csp_months.period_month
       and lsoa_counts.source = csp_months.source
    inner join lsoas
        on lsoas.lsoa_code = lsoa_counts.lsoa_code
       and lsoas.csp_code = csp_months.csp_code
    left join measures
        on measures.measure_code = csp_months.measure_code

)

-- a month's rows together: an incremental run's delete touches its own row groups only
select * from final
order by period_month
