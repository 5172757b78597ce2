{#- The judgement of a figure (measures.md, "Targets and RAG"): projected outturn, the target
    a register row sets, its RAG status and the sentence that explains it. One macro per
    computation; the scorecard mart calls them. -#}

{% macro projected_outturn(ytd, months_elapsed, last_fy_outturn, last_fy_same_point) -%}
    {#- A count's projected FY outturn: the year to date × last FY's full year / last FY's
        same months (last year's seasonal profile); where last year is missing (or counted
        nothing by this point), YTD × 12 / months elapsed; at month 12 the outturn itself. -#}
    (case
        when ({{ ytd }}) is null then null
        when ({{ months_elapsed }}) = 12 then ({{ ytd }})::double
        when ({{ last_fy_outturn }}) is not null and ({{ last_fy_same_point }}) > 0
            then ({{ ytd }})::double * ({{ last_fy_outturn }})::double / ({{ last_fy_same_point }})::double
        else ({{ ytd }})::double * 12 / ({{ months_elapsed }})
    end)
{%- endmacro %}

{% macro projection_method(ytd, months_elapsed, last_fy_outturn, last_fy_same_point) -%}
    {#- Which rule projected_outturn used: 'outturn', 'last_year_profile' or 'straight_line'. -#}
    (case
        when ({{ ytd }}) is null then null
        when ({{ months_elapsed }}) = 12 then 'outturn'
        when ({{ last_fy_outturn }}) is not null and ({{ last_fy_same_point }}) > 0 then 'last_year_profile'
        else 'straight_line'
    end)
{%- endmacro %}

{% macro target_threshold(target_type, target_value, baseline, last_year_figure) -%}
    {#- The figure a target sets: baseline × (1 ∓ X/100) for reduce_by_pct / increase_by_pct,
        last year's figure at the same point for better_than_last_year, else the value. -#}
    (case {{ target_type }}
        when 'reduce_by_pct' then ({{ baseline }}) * (1 - ({{ target_value }}) / 100)
        when 'increase_by_pct' then ({{ baseline }}) * (1 + ({{ target_value }}) / 100)
        when 'better_than_last_year' then ({{ last_year_figure }})::double
        else ({{ target_value }})
    end)
{%- endmacro %}

{% macro rag_status(target_type, judged, target, tolerance_abs, higher_is_on_course) -%}
    {#- Green on course; Amber not Green but within the tolerance; Red worse. 'No data' when
        the judged figure or the target is missing: never Green. At the target exactly is
        Green for "at most / at least" types and not for "below" and "better than last
        year", which ask for strictly better. NULL when there is no target. -#}
    {%- set at_target_is_green = "(" ~ target_type ~ ") in ('reduce_by_pct', 'increase_by_pct', 'at_least', 'at_or_above')" -%}
    (case
        when ({{ target_type }}) is null then null
        when ({{ judged }}) is null or ({{ target }}) is null then 'No data'
        when {{ higher_is_on_course }} then
            case
                when ({{ judged }}) > ({{ target }}) or (({{ judged }}) = ({{ target }}) and {{ at_target_is_green }}) then 'Green'
                when ({{ judged }}) >= ({{ target }}) - ({{ tolerance_abs }}) then 'Amber'
                else 'Red'
            end
        else
            case
                when ({{ judged }}) < ({{ target }}) or (({{ judged }}) = ({{ target }}) and {{ at_target_is_green }}) then 'Green'
                when ({{ judged }}) <= ({{ target }}) + ({{ tolerance_abs }}) then 'Amber'
                else 'Red'
            end
    end)
{%- endmacro %}

{% macro display_figure(expr, is_percent) -%}
    {#- A figure as a report prints it: 12,083 for a count, 37.5% for a %, rounded half away
        from zero as the documents round (12,082.5 → 12,083). -#}
    (case
        when ({{ expr }}) is null then 'no figure'
        when {{ is_percent }} then format('{:.1f}%', round(({{ expr }})::double, 1))
        else format('{:,.0f}', round(({{ expr }})::double))
    end)
{%- endmacro %}

{% macro display_number(expr) -%}
    {#- A register's number without trailing zeros: 10, 2.5. -#}
    regexp_replace(format('{:.2f}', ({{ expr }})::double), '\.?0+$', '')
{%- endmacro %}
