{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    on_schema_change='fail',
    post_hook="{{ record_incremental_state() }}",
) }}
-- Incremental by month (macros/incremental_months.sql): a month's rows are sums of the month's
-- rows of int_crime__measure_counts.
-- The crime counts of every force and CSP: int_crime__measure_counts summed over the LSOAs of
-- a CSP, and over all of a force's events for the force (those with no LSOA or CSP too). The
-- scorecard's crime figures read these (int_scorecard__crime_monthly): a national history's
-- tens of millions of LSOA rows are summed once per month, not again at every build.
with

counts as (

    select measure_code, source, period_month, force_code, csp_code, event_count,
        denominator_count
    from {{ ref('int_crime__measure_counts') }}
    where {{ incremental_months_where('period_month') }}

),

-- each row counts in its force and in its CSP (either may be unknown: NULL)
in_areas as (

    select counts.*, areas.area.area_type, areas.area.area_code
    from counts
    cross join unnest([
        {'area_type': 'force', 'area_code': counts.force_code},
        {'area_type': 'csp', 'area_code': counts.csp_code}
    ]) as areas(area)

)

select
    measure_code,
    source,
    area_type,
    area_code,
    period_month,
    sum(event_count)::bigint as event_count,
    sum(denominator_count)::bigint as denominator_count
from in_areas
where area_code is not null
group by all
