{#- Peer (Most Similar Group) comparisons: measures.md "Comparing with peers" and "Rates". -#}

{% macro population_year_order(year, period_month) -%}
    {#- The order in which a period's population estimates are preferred (first = used): the
        mid-year in which the period's financial year starts, else the nearest year, the
        earlier of two as near (measures.md "Rates"; the scorecard's denominators follow the
        same rule). -#}
    abs({{ year }} - {{ fy_start_year(period_month) }}), {{ year }}
{%- endmacro %}


{% macro rank_in_group(value, partition_by) -%}
    {#- The position of `value` within its group (`partition_by`), 1 = the lowest; equal values
        share the lower position (1, 1, 3). NULL (no rate) is not ranked. -#}
    (case when ({{ value }}) is not null then
        rank() over (partition by {{ partition_by }} order by ({{ value }}) asc nulls last)
    end)
{%- endmacro %}
