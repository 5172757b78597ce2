{% macro measure_monthly(measures, coverage, area_months, counts) %}
    {#- The monthly figures of `measures` (catalogue rows) on a spine of areas and months: one
        row per measure and row of `area_months` (area_type, area_code, coverage_key,
        period_month). For each measure, coverage key and month the source counted is the
        first of the measure's catalogue sources that has data then (`coverage`: source,
        coverage_key, period_month, loaded_at: one row per source, key and month with data);
        its counts come from `counts` (measure_code, source, area_type, area_code,
        period_month, n, d). measure_count (and, for a proportion, denominator_count) is NULL
        ("no data") when none of the sources has data, 0 when one has but nothing is counted.
        A domain's monthly model gives the spine and the relations; this is the one home of
        "first source with data" and of no data against zero. -#}
    with

    measures as (

        {{ measure_values_sql(measures) }}

    ),

    chosen as (

        select
            measures.measure_code,
            coverage.coverage_key,
            coverage.period_month,
            coverage.source,
            coverage.loaded_at
        from measures
        inner join {{ coverage }} as coverage
            on list_contains(measures.sources, coverage.source)
        qualify row_number() over (
            partition by measures.measure_code, coverage.coverage_key, coverage.period_month
            order by list_position(measures.sources, coverage.source)
        ) = 1

    ),

    counted as (

        select
            measures.measure_code,
            area_months.area_type,
            area_months.area_code,
            area_months.coverage_key,
            area_months.period_month,
            chosen.source,
            case when chosen.source is not null then coalesce(counts.n, 0) end::bigint
                as measure_count,
            case
                when chosen.source is not null and measures.method = 'ytd_proportion'
                    then coalesce(counts.d, 0)
            end::bigint as denominator_count,
            chosen.loaded_at
        from {{ area_months }} as area_months
        cross join measures
        left join chosen
            on chosen.measure_code = measures.measure_code
           and chosen.coverage_key = area_months.coverage_key
           and chosen.period_month = area_months.period_month
        left join {{ counts }} as counts
            on counts.measure_code = measures.measure_code
           and counts.area_type = area_months.area_type
           and counts.area_code = area_months.area_code
           and counts.period_month = area_months.period_month
           and counts.source = chosen.source

    )

    select * from counted
{% endmacro %}
