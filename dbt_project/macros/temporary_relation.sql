{% macro duckdb__dispatch_temporary_relation(target_relation, batch_id='') %}
    {#- dbt-duckdb's, with one change: an incremental run's new rows go to a table of the
        warehouse (`<model>__dbt_new`, in the model's schema; dbt-duckdb drops it after the
        run) instead of a DuckDB temporary table, which lives in memory. A run that
        recomputes every month of a national history (an upstream model's code or a seed
        changed) puts tens of millions of rows there: under dbt's memory limit
        (CSP_DBT_MEMORY_LIMIT), beside the other thread's model, an in-memory table of them
        failed ("failed to pin block"); a table of the file spills as any table does. One
        left by a run that died is dropped first. -#}
    {%- set relation = target_relation.incorporate(
        path={'identifier': target_relation.identifier ~ '__dbt_new' ~ (batch_id or '')}) -%}
    {%- do adapter.drop_relation(relation) -%}
    {{ return({'relation': relation, 'temporary': false}) }}
{% endmacro %}
