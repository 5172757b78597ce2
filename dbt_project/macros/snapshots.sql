{#- Snapshot sources (treatment episodes, court orders): the partner sends, each month or
    quarter, every episode or order open at some time from 1 April of the financial year to
    the month's end, as known then. Each snapshot restates the one before, so a financial
    year's figures are read from its newest snapshot: it covers every month from April to
    its own month. -#}

{% macro latest_snapshots(relation) -%}
    {#- The rows of `relation` (a staging model with csp_code and snapshot_month) that belong
        to the newest snapshot of their CSP and financial year. -#}
    select *
    from {{ relation }}
    qualify snapshot_month = max(snapshot_month) over (
        partition by csp_code, {{ fy_start_year('snapshot_month') }}
    )
{%- endmacro %}


{% macro latest_snapshot_files(relation) -%}
    {#- The newest snapshot of each CSP and financial year, one row each (csp_code,
        snapshot_month, loaded_at, source_file: the file loaded last for it). -#}
    select
        csp_code,
        snapshot_month,
        max(loaded_at) as loaded_at,
        arg_max(source_file, loaded_at) as source_file
    from ({{ latest_snapshots(relation) }})
    group by csp_code, snapshot_month
{%- endmacro %}


{% macro snapshot_coverage(relation, source) -%}
    {#- The months the newest snapshot of each CSP and financial year covers: one row per CSP
        and month from 1 April to the snapshot's month (source, csp_code, period_month,
        snapshot_month, loaded_at, source_file: the snapshot's file). A month after the newest
        snapshot is not covered ("no data"), even when nothing was open in it. -#}
    select
        '{{ source }}' as source,
        csp_code,
        unnest(generate_series({{ fy_start('snapshot_month') }}, snapshot_month, interval 1 month))::date
            as period_month,
        snapshot_month,
        loaded_at,
        source_file
    from ({{ latest_snapshot_files(relation) }})
{%- endmacro %}


{% macro snapshot_quarters(relation) -%}
    {#- The quarters the newest snapshot of each CSP and financial year covers (a quarterly
        snapshot source such as the IOM cohort): one row per CSP and quarter from the year's
        first (period_month = June) to the snapshot's own (csp_code, period_month = the
        quarter's last month, snapshot_month, loaded_at, source_file: the snapshot's file). -#}
    select
        csp_code,
        unnest(generate_series(
            {{ fy_start('snapshot_month') }} + interval 2 month, snapshot_month, interval 3 month
        ))::date as period_month,
        snapshot_month,
        loaded_at,
        source_file
    from ({{ latest_snapshot_files(relation) }})
{%- endmacro %}
