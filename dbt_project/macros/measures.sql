{#- Computations of spec/measures.md. One macro per computation, used everywhere. -#}

{% macro pct_change(current, baseline) -%}
    {#- (current − baseline) / baseline × 100: YTD change % and change against baseline %.
        NULL when either side is missing or the baseline is 0 (no meaningful change). -#}
    (case
        when ({{ baseline }}) is null or ({{ current }}) is null or ({{ baseline }}) = 0 then null
        else (({{ current }})::double - ({{ baseline }})::double) / ({{ baseline }})::double * 100
    end)
{%- endmacro %}

{% macro rate_per(count, denominator, per) -%}
    {#- count / denominator × per (e.g. per 1,000 population). NULL when any part is missing
        or the denominator is 0. -#}
    (case
        when ({{ count }}) is null or ({{ denominator }}) is null or ({{ per }}) is null
             or ({{ denominator }}) = 0 then null
        else ({{ count }})::double / ({{ denominator }})::double * ({{ per }})::double
    end)
{%- endmacro %}

{% macro direction(current, previous) -%}
    {#- Monthly direction against the previous month: 'up' | 'down' | 'same';
        NULL when either month has no data. Whether up is good is a separate judgement. -#}
    (case
        when ({{ current }}) is null or ({{ previous }}) is null then null
        when ({{ current }}) > ({{ previous }}) then 'up'
        when ({{ current }}) < ({{ previous }}) then 'down'
        else 'same'
    end)
{%- endmacro %}

{% macro ytd_sum(value, partition_by, order_by) -%}
    {#- Year to date: sum from 1 April of the FY up to and including the row's month.
        `partition_by` must not include the FY; it is added here. -#}
    sum({{ value }}) over (
        partition by {{ partition_by }}, {{ fy_start_year(order_by) }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{% macro ytd_months_with_data(value, partition_by, order_by) -%}
    {#- How many months of the FY to date have data (non-NULL `value`). -#}
    count({{ value }}) over (
        partition by {{ partition_by }}, {{ fy_start_year(order_by) }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{% macro ytd_complete(value, partition_by, order_by, months_per_period=1) -%}
    {#- YTD total, or NULL ("no data") when any period (month, or quarter: months_per_period
        3) from April to this one has no data: a combined figure is "no data" when any part
        is missing (measures.md). -#}
    (case
        when {{ ytd_months_with_data(value, partition_by, order_by) }}
            = {{ fy_month_number(order_by) }} // {{ months_per_period }}
        then {{ ytd_sum(value, partition_by, order_by) }}
    end)
{%- endmacro %}


{% macro wilson_interval(successes, trials, bound, z=1.959963984540054) -%}
    {#- The 95% Wilson score interval of a proportion successes / trials, in % (bound 'lower'
        or 'upper'), as Fingertips publishes for proportions: centre (p + z²/2n) / (1 + z²/n),
        half-width z·sqrt(p(1 − p)/n + z²/4n²) / (1 + z²/n). NULL when trials is 0 or missing. -#}
    {%- set n = '(' ~ trials ~ ')::double' -%}
    {%- set p = '((' ~ successes ~ ')::double / (' ~ trials ~ ')::double)' -%}
    {%- set zz = (z * z) | string -%}
    (case
        when ({{ trials }}) is null or ({{ successes }}) is null or ({{ trials }}) = 0 then null
        else {{ 'greatest(0.0, ' if bound == 'lower' else 'least(100.0, ' }}100.0 * (
            ({{ p }} + {{ zz }} / (2 * {{ n }}))
            {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ zz }} / (4 * {{ n }} * {{ n }}))
        ) / (1 + {{ zz }} / {{ n }}))
    end)
{%- endmacro %}
