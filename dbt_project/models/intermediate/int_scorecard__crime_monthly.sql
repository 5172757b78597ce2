-- depends_on: {{ ref('measures') }}
-- Monthly counts of the crime measures: one row per measure × area (csp, force) × month of the
-- force's spine (every month from the force's first to last month with data in any crime
-- source). The source counted for a measure, force and month is the first of the measure's
-- catalogue sources that has data then (police_crime where the force sent its record-level
-- extract, else police_street where the measure allows it). count is NULL ("no data") when
-- none of them has data, 0 when one has data but no event meets the measure's rule.
with

measures as (

    {{ measure_values_sql(measures_counted_from(['police_crime', 'police_street'])) }}

),

coverage as (

    select source, force_code, period_month, loaded_at
    from {{ ref('int_crime__source_coverage') }}

),

force_csps as (

    select distinct csp_code, force_code
    from {{ ref('areas') }}
    where csp_code is not null and force_code is not null

),

force_months as (

    select
        force_code,
        unnest(generate_series(min(period_month), max(period_month), interval 1 month))::date
            as period_month
    from coverage
    group by force_code

),

area_months as (

    select 'force' as area_type, force_code as area_code, force_code, period_month
    from force_months
    union all
    select 'csp' as area_type, force_csps.csp_code as area_code, force_months.force_code,
        force_months.period_month
    from force_months
    inner join force_csps
        on force_csps.force_code = force_months.force_code

),

-- the first of each measure's sources with data for the force and month
chosen as (

    select
        measures.measure_code,
        coverage.force_code,
        coverage.period_month,
        coverage.source,
        coverage.loaded_at
    from measures
    inner join coverage
        on list_contains(measures.sources, coverage.source)
    qualify row_number() over (
        partition by measures.measure_code, coverage.force_code, coverage.period_month
        order by list_position(measures.sources, coverage.source)
    ) = 1

),

counts as (

    select measure_code, source, 'force' as area_type, force_code as area_code, period_month,
        sum(event_count) as n
    from {{ ref('int_crime__measure_counts') }}
    where force_code is not null
    group by all
    union all
    select measure_code, source, 'csp' as area_type, csp_code as area_code, period_month,
        sum(event_count) as n
    from {{ ref('int_crime__measure_counts') }}
    where csp_code is not null
    group by all

),

counted as (

    select
        measures.measure_code,
        area_months.area_type,
        area_months.area_code,
        area_months.force_code,
        area_months.period_month,
        chosen.source,
        case when chosen.source is not null then coalesce(counts.n, 0) end::bigint
            as measure_count,
        chosen.loaded_at
    from area_months
    cross join measures
    left join chosen
        on chosen.measure_code = measures.measure_code
       and chosen.force_code = area_months.force_code
       and chosen.period_month = area_months.period_month
    left join counts
        on counts.measure_code = measures.measure_code
       and counts.area_type = area_months.area_type
       and counts.area_code = area_months.area_code
       and counts.period_month = area_months.period_month
       and counts.source = chosen.source

)

select * from counted
