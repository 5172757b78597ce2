{% macro publish_history_columns() %}
    {#- The columns of a publish history file, as the publish writes them
        (orchestration/defs/publish/history.py). -#}
    {{ return([
        ('publish_id', 'varchar'),
        ('published_at', 'timestamp'),
        ('measure_code', 'varchar'),
        ('area_type', 'varchar'),
        ('area_code', 'varchar'),
        ('period_month', 'date'),
        ('count', 'bigint'),
        ('source', 'varchar'),
        ('source_file', 'varchar'),
    ]) }}
{% endmacro %}


{% macro publish_history_relation() %}
    {#- What every publish has recorded: the files `published-*.parquet` of the publish history
        folder ($CSP_HISTORY_DIR; `csp build` and Dagster set it to $CSP_DATA_DIR/history). The
        folder lives outside the warehouse so that the figures as first published survive a
        rebuild of the warehouse from landing. An empty relation of the same columns while
        nothing has been published yet (DuckDB's read_parquet refuses a glob with no file). -#}
    {%- set folder = env_var('CSP_HISTORY_DIR', '../data/history') | replace("'", "''") -%}
    {%- set pattern = folder ~ '/published-*.parquet' -%}
    {%- set found = 0 -%}
    {%- if execute -%}
        {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").rows[0][0] -%}
    {%- endif -%}
    {%- if found > 0 -%}
        (select {% for name, type in publish_history_columns() %}{{ adapter.quote(name) }}::{{ type }} as {{ adapter.quote(name) }}{{ ', ' if not loop.last }}{% endfor %}
         from read_parquet('{{ pattern }}', union_by_name = true))
    {%- else -%}
        (select {% for name, type in publish_history_columns() %}null::{{ type }} as {{ adapter.quote(name) }}{{ ', ' if not loop.last }}{% endfor %}
         where false)
    {%- endif -%}
{% endmacro %}
