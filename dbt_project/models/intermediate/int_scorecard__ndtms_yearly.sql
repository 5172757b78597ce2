-- depends_on: {{ ref('measures') }}
-- The yearly figures of the NDTMS measures (source ndtms_viewit): one row per measure × area
-- × reporting year of the ViewIt export (period_month = the reporting year's last month),
-- for every area in the file, as NDTMS publishes them (its own total rows, rounded to 5): the
-- comparator a commissioner checks the provider's own figures against.
with

counts as (

    select measure_code, source, area_type, area_code, period_month,
        event_count as n, denominator_count as d
    from (
        {{ measure_event_counts(
            ref('int_ndtms__area_years'),
            measures_counted_from(['ndtms_viewit']),
            ['area_type', 'area_code']
        ) }}
    )

),

coverage as (

    select
        source,
        area_type || ':' || area_code as coverage_key,
        period_month,
        max(loaded_at) as loaded_at,
        arg_max(source_file, loaded_at) as source_file
    from {{ ref('int_ndtms__area_years') }}
    group by all

),

area_years as (

    select distinct area_type, area_code, area_type || ':' || area_code as coverage_key,
        period_month
    from {{ ref('int_ndtms__area_years') }}

),

yearly as (

    {{ measure_monthly(measures_counted_from(['ndtms_viewit']), 'coverage', 'area_years', 'counts') }}

)

select * exclude (coverage_key) from yearly
