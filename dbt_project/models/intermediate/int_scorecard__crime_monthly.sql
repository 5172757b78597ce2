-- Monthly counts: one row per crime measure × area (csp, force) × month of the force's spine
-- (every month from the force's first to last month with data). The count is NULL
-- ("no data") when the measure's source has no data for the force and month, and 0 when
-- the source has data but no matching crimes.
with

coverage as (

    select * from {{ ref('int_crime__source_coverage') }}

),

areas as (

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

force_month_coverage as (

    select
        force_months.force_code,
        force_months.period_month,
        coalesce(coverage.has_police_crime, false) as has_police_crime,
        coalesce(coverage.has_police_street, false) as has_police_street,
        coverage.police_crime_loaded_at,
        coverage.police_street_loaded_at
    from force_months
    left join coverage
        on coverage.force_code = force_months.force_code
       and coverage.period_month = force_months.period_month

),

area_months as (

    select 'force' as area_type, force_code as area_code, * from force_month_coverage
    union all
    select 'csp' as area_type, areas.csp_code as area_code, force_month_coverage.*
    from force_month_coverage
    inner join areas
        on areas.force_code = force_month_coverage.force_code

),

measures as (

    select * from (values
        {%- for m in crime_measures() %}
        ('{{ m.code }}', '{{ m.basis }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t (measure_code, basis)

),

events as (

    {{ crime_measure_events() }}

),

event_counts as (

    select measure_code, 'force' as area_type, force_code as area_code, period_month, source,
        count(*) as n
    from events
    where force_code is not null
    group by all
    union all
    select measure_code, 'csp' as area_type, csp_code as area_code, period_month, source,
        count(*) as n
    from events
    where csp_code is not null
    group by all

),

sourced as (

    select
        measures.measure_code,
        area_months.area_type,
        area_months.area_code,
        area_months.force_code,
        area_months.period_month,
        case measures.basis
            when 'any' then
                case
                    when area_months.has_police_crime then 'police_crime'
                    when area_months.has_police_street then 'police_street'
                end
            when 'recorded' then
                case when area_months.has_police_crime then 'police_crime' end
            when 'asb' then
                case when area_months.has_police_street then 'police_street' end
        end as source,
        area_months.police_crime_loaded_at,
        area_months.police_street_loaded_at
    from area_months
    cross join measures

),

counted as (

    select
        sourced.measure_code,
        sourced.area_type,
        sourced.area_code,
        sourced.force_code,
        sourced.period_month,
        sourced.source,
        case
            when sourced.source is not null then coalesce(event_counts.n, 0)
        end::bigint as measure_count,
        case sourced.source
            when 'police_crime' then sourced.police_crime_loaded_at
            when 'police_street' then sourced.police_street_loaded_at
        end as loaded_at
    from sourced
    left join event_counts
        on event_counts.measure_code = sourced.measure_code
       and event_counts.area_type = sourced.area_type
       and event_counts.area_code = sourced.area_code
       and event_counts.period_month = sourced.period_month
       and event_counts.source = sourced.source

)

select * from counted
