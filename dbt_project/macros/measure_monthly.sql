{% macro measure_monthly(measures, coverage, area_months, counts) %}
    {#- The monthly figures of `measures` (catalogue rows) on a spine of areas and months: one
        row per measure and row of `area_months` (area_type, area_code, coverage_key,
        period_month). For each measure, coverage key and month the source counted is the
        first of the measure's catalogue sources that has data then (`coverage`: source,
        coverage_key, period_month, loaded_at, source_file: one row per source, key and month
        with data; source_file = the file loaded last for them, which made the figure);
        its counts come from `counts` (measure_code, source, area_type, area_code,
        period_month, n, d). A measure that needs all its sources ('a+b') has data where every
        one of them has, under source 'a+b'. measure_count (and, for a proportion, denominator_count) is NULL
        ("no data") when none of the sources has data, 0 when one has but nothing is counted.
        A measure has rows for a coverage key only from the first month one of its sources
        has data for the key, to the end of the key's spine: a measure none of whose sources
        the key ever sent has no row at all (its "no data" is known per source and key:
        source_status), so the rows grow with the data, not with areas × months × measures.
        A month after that first one without data is a NULL row (a return that did not come).
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
            coverage.loaded_at,
            coverage.source_file
        from measures
        inner join {{ coverage }} as coverage
            on list_contains(measures.sources, coverage.source)
        where not measures.needs_all
        qualify row_number() over (
            partition by measures.measure_code, coverage.coverage_key, coverage.period_month
            order by list_position(measures.sources, coverage.source)
        ) = 1

        union all

        -- a measure that needs all its sources ('a+b': a cohort and its convictions) has data
        -- only where every one of them has; its source is 'a+b', its file the one loaded last
        select
            measures.measure_code,
            coverage.coverage_key,
            coverage.period_month,
            array_to_string(any_value(measures.sources), '+') as source,
            max(coverage.loaded_at) as loaded_at,
            arg_max(coverage.source_file, coverage.loaded_at) as source_file
        from measures
        inner join {{ coverage }} as coverage
            on list_contains(measures.sources, coverage.source)
        where measures.needs_all
        group by measures.measure_code, coverage.coverage_key, coverage.period_month
        having count(distinct coverage.source) = len(any_value(measures.sources))

    ),

    -- where each measure starts for each coverage key: its first month with data
    measure_starts as (

        select measure_code, coverage_key, min(period_month) as first_month
        from chosen
        group by all

    ),

    counted as (

        select
            measures.measure_code,
            area_months.area_type,
            area_months.area_code,
            area_months.coverage_key,
            area_months.period_month,
            chosen.source,
            -- no count row: nothing counted (0); a count row whose n is NULL: a sum that is
            -- no data (an event without its figure)
            case
                when chosen.source is not null
                    then case when counts.measure_code is null then 0 else counts.n end
            end::bigint as measure_count,
            case
                when chosen.source is not null
                 and measures.method in ({% for m in measure_methods_with_denominator() %}'{{ m }}'{{ ', ' if not loop.last }}{% endfor %})
                    then coalesce(counts.d, 0)
            end::bigint as denominator_count,
            chosen.loaded_at,
            chosen.source_file
        from {{ area_months }} as area_months
        cross join measures
        inner join measure_starts
            on measure_starts.measure_code = measures.measure_code
           and measure_starts.coverage_key = area_months.coverage_key
           and measure_starts.first_month <= area_months.period_month
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


{% macro csp_domain_monthly(events, counts, sources, coverage=none) %}
    {#- The monthly figures of the catalogue's measures counted from `sources` for a domain whose
        partners send one file per CSP and month (domestic abuse, council ASB, fire): one row
        per measure × CSP × month from the CSP's first month with a file of the domain to the
        latest month of data in the warehouse (any CSP's file of the domain, or any force's
        police data), so a partner that has not sent its latest month shows "no data" then,
        never a silent gap. `events` is the domain's events model (source, csp_code,
        period_month, loaded_at, source_file), `counts` its measure counts
        (measure_event_counts at the csp_code grain). CSP level
        only: a force total would need every CSP of the force to have sent its files.
        `coverage` (source, csp_code, period_month, loaded_at, source_file), when given, says
        which months each CSP's files cover where that is not "the months its events fall in"
        (a snapshot covers every month of its year so far, int_snapshot__coverage). A month
        outside the history (macro in_history) is on no spine (reported in unplaced_events). -#}
    with

    coverage as (

        select
            source,
            csp_code as coverage_key,
            period_month,
            max(loaded_at) as loaded_at,
            arg_max(source_file, loaded_at) as source_file
        {%- if coverage is not none %}
        from {{ coverage }}
        where source in ({% for s in sources %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})
          and {{ in_history('period_month') }}
        {%- else %}
        from {{ events }}
        where {{ in_history('period_month') }}
        {%- endif %}
        group by all

    ),

    latest as (

        select max(period_month) as period_month
        from (
            select period_month from coverage
            union all
            select period_month from {{ ref('int_crime__source_coverage') }}
        )

    ),

    area_months as (

        select
            'csp' as area_type,
            coverage.coverage_key as area_code,
            coverage.coverage_key,
            unnest(generate_series(min(coverage.period_month), any_value(latest.period_month),
                interval 1 month))::date as period_month
        from coverage
        cross join latest
        group by coverage.coverage_key

    ),

    counts as (

        select measure_code, source, 'csp' as area_type, csp_code as area_code, period_month,
            sum(event_count) as n, sum(denominator_count) as d
        from {{ counts }}
        group by all

    ),

    monthly as (

        {{ measure_monthly(measures_counted_from(sources), 'coverage', 'area_months', 'counts') }}

    )

    select * exclude (coverage_key) from monthly
{% endmacro %}


{% macro measure_sums_of(monthly) %}
    {#- The monthly rows of the catalogue's sum_of measures (e.g. ASB reported to the police
        and to the council together), from `monthly` (the counted measures of every domain: measure_code,
        area_type, area_code, force_code, period_month, source, measure_count, loaded_at,
        source_file). For each area that has rows of every part, one row per month that any
        part has: measure_count = the sum of the parts' counts, NULL ("no data") when any part
        is NULL or absent that month (measures.md: a combined figure is "no data" when any
        part is missing); source = the parts' sources joined by '+', source_file = the part's
        file loaded last, loaded_at its load (all three NULL with no data). A sum of sums is not supported (a part must be counted). -#}
    {%- set sums = [] -%}
    {%- for m in measure_catalogue() if m.method == 'sum_of' -%}
        {%- set codes = [] -%}
        {%- for c in modules.re.split('[|+]', m.numerator_rule) if c | trim -%}{%- do codes.append(c | trim) -%}{%- endfor -%}
        {%- do sums.append({'code': m.measure_code, 'parts': codes}) -%}
    {%- endfor -%}
    {%- if not sums -%}
        select * from {{ monthly }} where false
    {%- else -%}
        {%- for s in sums %}
        {%- set in_parts %}({% for c in s.parts %}'{{ c }}'{{ ', ' if not loop.last }}{% endfor %}){% endset %}
        select
            '{{ s.code }}' as measure_code,
            parts.area_type,
            parts.area_code,
            any_value(parts.force_code) as force_code,
            parts.period_month,
            case when count(parts.measure_count) = {{ s.parts | length }}
                then string_agg(parts.source, '+' order by list_position(
                    [{% for c in s.parts %}'{{ c }}'{{ ', ' if not loop.last }}{% endfor %}], parts.measure_code))
            end as source,
            case when count(parts.measure_count) = {{ s.parts | length }}
                then sum(parts.measure_count)
            end::bigint as measure_count,
            null::bigint as denominator_count,
            case when count(parts.measure_count) = {{ s.parts | length }}
                then max(parts.loaded_at)
            end as loaded_at,
            case when count(parts.measure_count) = {{ s.parts | length }}
                then arg_max(parts.source_file, parts.loaded_at)
            end as source_file
        from {{ monthly }} as parts
        semi join (
            select area_type, area_code
            from {{ monthly }}
            where measure_code in {{ in_parts }}
            group by all
            having count(distinct measure_code) = {{ s.parts | length }}
        ) as complete
            on complete.area_type = parts.area_type and complete.area_code = parts.area_code
        where parts.measure_code in {{ in_parts }}
        group by parts.area_type, parts.area_code, parts.period_month
        {{ 'union all by name' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{% endmacro %}
