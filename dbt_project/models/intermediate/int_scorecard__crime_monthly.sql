{{ config(
    materialized='incremental',
    incremental_strategy='replace_from_month',
    incremental_inputs=['int_crime__force_months', 'int_crime__source_coverage', 'int_crime__area_counts'],
    on_schema_change='fail',
    post_hook="{{ record_incremental_from_state() }}",
) }}
-- depends_on: {{ ref('measures') }}
-- Monthly counts of the crime measures: one row per measure × area (csp, force) × month of the
-- force's spine (every month from the force's first to last month with data in any crime
-- source). The source counted for a measure, force and month is the first of the measure's
-- catalogue sources that has data then (police_crime where the force sent its record-level
-- extract, else police_street where the measure allows it). count is NULL ("no data") when
-- none of them has data, 0 when one has data but no event meets the measure's rule.
-- Incremental from the earliest changed month (macros/incremental_from_month.sql): a month's
-- rows read that month's spine and counts, and every month's coverage (a measure starts at
-- its first month with data).
with

coverage as (

    select source, force_code as coverage_key, period_month, loaded_at, source_file
    from {{ ref('int_crime__source_coverage') }}

),

force_csps as (

    select distinct csp_code, force_code
    from {{ ref('areas') }}
    where csp_code is not null and force_code is not null

),

force_months as (

    select force_code, period_month
    from {{ ref('int_crime__force_months') }}
    where {{ incremental_from_where('period_month') }}

),

-- a CSP follows its force's months and sources (the crime sources are sent per force)
area_months as (

    select 'force' as area_type, force_code as area_code, force_code as coverage_key,
        period_month
    from force_months
    union all
    select 'csp' as area_type, force_csps.csp_code as area_code,
        force_months.force_code as coverage_key, force_months.period_month
    from force_months
    inner join force_csps
        on force_csps.force_code = force_months.force_code

),

counts as (

    select measure_code, source, area_type, area_code, period_month,
        event_count as n, denominator_count as d
    from {{ ref('int_crime__area_counts') }}
    where {{ incremental_from_where('period_month') }}

),

monthly as (

    {{ measure_monthly(
        measures_counted_from(['police_crime', 'police_street']),
        'coverage', 'area_months', 'counts'
    ) }}

)

select * rename (coverage_key as force_code) from monthly
