-- depends_on: {{ ref('measures') }}
-- Monthly counts of the crime measures: one row per measure × area (csp, force) × month of the
-- force's spine (every month from the force's first to last month with data in any crime
-- source). The source counted for a measure, force and month is the first of the measure's
-- catalogue sources that has data then (police_crime where the force sent its record-level
-- extract, else police_street where the measure allows it). count is NULL ("no data") when
-- none of them has data, 0 when one has data but no event meets the measure's rule.
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

    select
        coverage_key as force_code,
        unnest(generate_series(min(period_month), max(period_month), interval 1 month))::date
            as period_month
    from coverage
    group by coverage_key

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

),

monthly as (

    {{ measure_monthly(
        measures_counted_from(['police_crime', 'police_street']),
        'coverage', 'area_months', 'counts'
    ) }}

)

select * rename (coverage_key as force_code) from monthly
