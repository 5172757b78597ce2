{#- Calendar computations of spec/measures.md ("Calendar"). The financial year runs
    1 April to 31 March. Every model that needs a FY, a FY quarter or a FY month
    calls these macros; none re-implements them. -#}

{% macro fy_start_year(date_expr) -%}
    (case when month({{ date_expr }}) >= 4 then year({{ date_expr }}) else year({{ date_expr }}) - 1 end)
{%- endmacro %}

{% macro fy_start(date_expr) -%}
    make_date({{ fy_start_year(date_expr) }}, 4, 1)
{%- endmacro %}

{% macro financial_year(date_expr) -%}
    {#- '2012/13' -#}
    ({{ fy_start_year(date_expr) }}::varchar || '/' || lpad((({{ fy_start_year(date_expr) }} + 1) % 100)::varchar, 2, '0'))
{%- endmacro %}

{% macro fy_month_number(date_expr) -%}
    {#- April = 1 ... March = 12 -#}
    (((month({{ date_expr }}) + 8) % 12) + 1)
{%- endmacro %}

{% macro fy_quarter(date_expr) -%}
    {#- Q1 = Apr-Jun, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar -#}
    ('Q' || ((({{ fy_month_number(date_expr) }}) - 1) // 3 + 1)::varchar)
{%- endmacro %}

{% macro month_start(date_expr) -%}
    date_trunc('month', {{ date_expr }})::date
{%- endmacro %}


{% macro in_history(month_expr) -%}
    {#- TRUE when a period's month can be in the warehouse's history: from var
        csp_first_month (dbt_project.yml) to the month of the build (or of $CSP_AS_OF when
        that is later). A month outside it (a typo such as 2109-01 or 1019-03, or a file of
        a month that has not happened yet) would stretch every spine, calendar and status
        over decades: its events are counted nowhere and reported in unplaced_events. -#}
    ({{ month_expr }} between date '{{ var("csp_first_month", "2010-04-01") }}'
        and {{ history_end() }})
{%- endmacro %}


{% macro history_end() -%}
    {#- The last month of the history: the month of the build, or of $CSP_AS_OF when that
        is later (in_history; the incremental models recompute the months it moves over). -#}
    date_trunc('month', greatest(current_date, {{ status_as_of() }}))::date
{%- endmacro %}
