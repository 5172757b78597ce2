-- depends_on: {{ ref('measures') }}
-- The yearly figures of the NDTMS measures (source ndtms_viewit): one row per measure × area
-- × reporting year of the ViewIt export (period_month = the reporting year's last month),
-- for every area in the file, as NDTMS publishes them (its own total rows, rounded to 5): the
-- comparator a commissioner checks the provider's own figures against. A figure ViewIt
-- publishes as NULL is no data (count NULL), never 0.
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

),

-- ViewIt publishes NULL where it has no figure: that is no data, never 0
published as (

    {%- set measures = measures_counted_from(['ndtms_viewit']) %}
    {%- if measures %}
    {%- for m in measures %}
    select '{{ m.measure_code }}' as measure_code, area_type, area_code, period_month,
        count({{ m.numerator_rule }}) > 0 as has_figure
    from {{ ref('int_ndtms__area_years') }}
    group by all
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- else %}
    select null::varchar as measure_code, null::varchar as area_type, null::varchar as area_code,
        null::date as period_month, null::boolean as has_figure
    where false
    {%- endif %}

)

select
    yearly.* exclude (coverage_key, measure_count, source, loaded_at, source_file),
    case when published.has_figure then yearly.measure_count end as measure_count,
    case when published.has_figure then yearly.source end as source,
    case when published.has_figure then yearly.loaded_at end as loaded_at,
    case when published.has_figure then yearly.source_file end as source_file
from yearly
left join published
    on published.measure_code = yearly.measure_code
   and published.area_type = yearly.area_type
   and published.area_code = yearly.area_code
   and published.period_month = yearly.period_month
