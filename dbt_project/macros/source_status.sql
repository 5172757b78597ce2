{% macro source_schedules() %}
    {#- Each partner source's schedule, from its ingest contract (the generated raw sources'
        `config: meta:`: title, publisher, cadence, lag_days), as a relation (source, title,
        publisher, cadence, months_per_period, lag_days). A period is due lag_days after its
        end. -#}
    {%- set months = {'monthly': 1, 'quarterly': 3, 'annual': 12} -%}
    {%- set rows = [] -%}
    {%- set nodes = graph.sources.values() if execute else [] -%}
    {%- for node in nodes if node.source_name == 'raw' -%}
        {%- set meta = (node.config.meta if node.config is defined and node.config.meta else {}) or node.meta or {} -%}
        {%- set cadence = meta.get('cadence', 'monthly') -%}
        {%- if cadence not in months -%}
            {{ exceptions.raise_compiler_error("source " ~ node.name ~ ": unknown cadence '" ~ cadence ~ "' (known: " ~ months.keys() | list | join(', ') ~ ")") }}
        {%- endif -%}
        {%- do rows.append("('" ~ node.name ~ "', '" ~ (meta.get('title', node.name) | replace("'", "''")) ~ "', '"
            ~ (meta.get('publisher', '') | replace("'", "''")) ~ "', '" ~ cadence ~ "', " ~ months[cadence] ~ ", "
            ~ (meta.get('lag_days', 35) | int) ~ ")") -%}
    {%- endfor -%}
    {%- if rows -%}
        select * from (values {{ rows | join(', ') }})
            as t (source, title, publisher, cadence, months_per_period, lag_days)
    {%- else -%}
        select null::varchar as source, null::varchar as title, null::varchar as publisher,
            null::varchar as cadence, null::integer as months_per_period, null::integer as lag_days
        where false
    {%- endif -%}
{% endmacro %}


{% macro status_as_of() -%}
    {#- The day overdue is judged on: $CSP_AS_OF (YYYY-MM-DD) when set (a report for a given
        date, a test), else today. -#}
    {%- set as_of = env_var('CSP_AS_OF', '') | trim -%}
    {%- if as_of -%}
        (date '{{ as_of | replace("'", "''") }}')
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
