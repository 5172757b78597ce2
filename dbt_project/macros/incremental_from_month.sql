{#- Incremental from the earliest changed month: a model whose rows of a month depend on its
    inputs' rows of that month and of earlier months (a year to date, last year's figure, the
    previous month) is materialized 'incremental' with the strategy 'replace_from_month'
    (get_incremental_replace_from_month_sql below). Unlike 'replace_months'
    (macros/incremental_months.sql), whose months come from the raw batches loaded, this one
    reads what changed in its inputs themselves: the scorecard chain sits downstream of every
    source, of the publish history and of tables rebuilt whole, and the months that changed
    are those whose rows changed.

    Config:
    - incremental_inputs: the names of the models the model reads by month (each has the
      month column incremental_month_column, default period_month). Each run fingerprints
      each input by month (row count and sum of row hashes: cheap, a scan of the month
      column's table), compares with the fingerprints kept from the model's last run, and
      recomputes the months from the earliest month that changed to the last;
    - every other model or seed the model reads is fingerprinted whole, with the model's
      code and that of the project's macros it calls (macros_md5): a change recomputes every
      month;
    - incremental_lookups: models read by key whose existing rows never change, only grow
      (int_scorecard__change_intervals: one row per pair (n, x), computed by a method that
      is in incremental_fingerprint instead); left out of the fingerprint;
    - incremental_fingerprint: text that joins the fingerprint (e.g. a macro's settings).

    The model filters its inputs with incremental_from_where(column, fy_back) (the months its
    new rows read: from the FY start fy_back years before the earliest changed month's FY, or
    from that month itself when fy_back is none) and its rows with
    incremental_from_where(column). The strategy deletes the target's rows from that month on
    and inserts the new ones; what it saw is kept in main._incremental_input_months and
    main._incremental_state (months_rebuilt: the months of the new rows, which its generic
    tests check, see get_where_subquery), in the same transaction. -#}


{% macro incremental_input_months_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
        identifier='_incremental_input_months', type='table')) }}
{%- endmacro %}


{% macro _incremental_from_parts() -%}
    {#- The current model's month-keyed inputs and its whole inputs, as relations. -#}
    {%- set names = config.get('incremental_inputs') or [] -%}
    {%- set lookups = config.get('incremental_lookups') or [] -%}
    {%- set inputs = [] -%}
    {%- set wholes = [] -%}
    {%- set found = [] -%}
    {%- for parent in model['depends_on']['nodes'] -%}
        {%- set node = graph.nodes.get(parent) -%}
        {%- if node is not none and node['resource_type'] in ('model', 'seed', 'snapshot') -%}
            {%- if node['name'] in names -%}
                {%- do inputs.append((node['name'], _incremental_relation(node))) -%}
                {%- do found.append(node['name']) -%}
            {%- elif node['name'] not in lookups -%}
                {%- do wholes.append((node['name'], _incremental_relation(node))) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in names if name not in found -%}
        {{ exceptions.raise_compiler_error(model['name'] ~ ": incremental_inputs names '" ~ name
            ~ "', which the model does not ref()") }}
    {%- endfor -%}
    {{ return({'inputs': inputs, 'wholes': wholes}) }}
{%- endmacro %}


{% macro _incremental_from_current(parts) -%}
    {#- The inputs' fingerprints by month now: (input, period_month, n, h). -#}
    {%- set column = config.get('incremental_month_column') or 'period_month' -%}
    {%- for name, relation in parts['inputs'] %}
    select '{{ name }}' as input, {{ column }}::date as period_month, count(*)::bigint as n,
        sum(hash(t))::hugeint as h
    from {{ relation }} as t
    group by all
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- if not parts['inputs'] %}
    select null::varchar as input, null::date as period_month, null::bigint as n, null::hugeint as h
    where false
    {%- endif %}
{%- endmacro %}


{% macro incremental_from_plan() %}
    {#- What an incremental run of the current model recomputes: {'all': true} (no state yet,
        or the fingerprint changed), or {'all': false, 'from': 'YYYY-MM-DD'} (that month and
        every later one), or {'all': false, 'from': none} (nothing changed). Runs queries:
        only at execution time. -#}
    {#- computed once per model run: the model's SQL and the strategy call it several times -#}
    {%- set cache_key = '_incremental_from_plan:' ~ invocation_id -%}
    {%- if model.get(cache_key) is not none -%}{{ return(model[cache_key]) }}{%- endif -%}
    {%- set uid = model['unique_id'] -%}
    {%- set state = incremental_state_relation() -%}
    {%- set months = incremental_input_months_relation() -%}
    {%- set parts = _incremental_from_parts() -%}
    {%- set exists = run_query(
        "select count(*) filter (where table_name = '" ~ state.identifier ~ "'), "
        ~ "count(*) filter (where table_name = '" ~ months.identifier ~ "') "
        ~ "from duckdb_tables() where database_name = '" ~ target.database
        ~ "' and schema_name = '" ~ target.schema ~ "'").rows[0] -%}
    {%- set query -%}
        select md5(concat_ws('|',
            '{{ local_md5(model["raw_code"] or "") }}',
            '{{ macros_md5(graph.nodes.get(model["unique_id"]) or model) }}',
            '{{ contract_md5(graph.nodes.get(model["unique_id"]) or model) }}',
            '{{ config.get("incremental_fingerprint") or "" }}',
            {% for name, relation in parts['wholes'] -%}
            (select '{{ name }}:' || count(*) || ':' || coalesce(sum(hash(t)), 0) from {{ relation }} as t),
            {% endfor -%}
            ''
        )) as fingerprint
        {%- if exists[0] > 0 %},
        (select fingerprint from {{ state }} where model = '{{ uid }}') as previous_fingerprint,
        (select full_built_at from {{ state }} where model = '{{ uid }}') as previous_full_built_at
        {%- else %},
        null::varchar as previous_fingerprint,
        null::timestamp as previous_full_built_at
        {%- endif %}
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- set plan = {
        'fingerprint': row[0],
        'previous_full_built_at': row[2],
        'all': exists[1] == 0 or row[1] is none or row[1] != row[0],
        'from': none,
    } -%}
    {%- if not plan['all'] -%}
        {%- set changed -%}
            with

            now as ({{ _incremental_from_current(parts) }}),

            before as (
                select input, period_month, n, h from {{ months }} where model = '{{ uid }}'
            )

            select strftime(min(coalesce(now.period_month, before.period_month)), '%Y-%m-%d'),
                count(*) filter (where now.period_month is null and before.period_month is null)
            from now
            full outer join before
                on before.input = now.input
               and before.period_month is not distinct from now.period_month
            where now.n is distinct from before.n
               or now.h is distinct from before.h
        {%- endset -%}
        {%- set found = run_query(changed).rows[0] -%}
        {#- a changed NULL month sorts nowhere: every month then -#}
        {%- if found[1] > 0 -%}
            {%- do plan.update({'all': true}) -%}
        {%- else -%}
            {%- do plan.update({'from': found[0]}) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do model.update({cache_key: plan}) -%}
    {{ return(plan) }}
{% endmacro %}


{% macro incremental_from_where(column, fy_back=none) -%}
    {#- On an incremental run, the condition on `column` (a month's first day) of the rows
        recomputed: from the earliest changed month on (fy_back none: the model's own rows,
        or an input read month by month), or from the start of the financial year fy_back
        years before that month's (an input read for years to date and last year's
        figures). `true` on a full build, and in a unit test. -#}
    {%- if execute and model['resource_type'] != 'unit_test' and is_incremental() -%}
        {%- set plan = incremental_from_plan() -%}
        {%- if plan['all'] -%}true
        {%- elif plan['from'] is none -%}false
        {%- else -%}
            {%- set m = modules.datetime.datetime.strptime(plan['from'], '%Y-%m-%d') -%}
            {%- if fy_back is none -%}
                {{ column }} >= date '{{ m.strftime("%Y-%m-%d") }}'
            {%- else -%}
                {%- set fy = m.year if m.month >= 4 else m.year - 1 -%}
                {{ column }} >= date '{{ "%04d" % (fy - fy_back) }}-04-01'
            {%- endif -%}
        {%- endif -%}
    {%- else -%}true
    {%- endif -%}
{%- endmacro %}


{% macro _incremental_from_record(plan, full, temp_relation=none) -%}
    {#- Keep what this run saw: the state row and the inputs' fingerprints by month. -#}
    {%- set uid = model['unique_id'] -%}
    {%- set column = config.get('incremental_month_column') or 'period_month' -%}
    {{ _incremental_state_ddl() }};
    create table if not exists {{ incremental_input_months_relation() }} (
        model varchar, input varchar, period_month date, n bigint, h hugeint
    );
    delete from {{ incremental_state_relation() }} where model = '{{ uid }}';
    insert into {{ incremental_state_relation() }}
    select
        '{{ uid }}',
        null::bigint,
        {{ history_end() }},
        '{{ plan["fingerprint"] }}',
        {% if full or plan['previous_full_built_at'] is none -%}now()::timestamp
        {%- else -%}timestamp '{{ plan["previous_full_built_at"] }}'{%- endif %},
        {% if full or temp_relation is none -%}null::date[]
        {%- else -%}(select coalesce(list(distinct {{ column }}::date order by {{ column }}), []::date[]) from {{ temp_relation }})
        {%- endif %},
        now()::timestamp;
    delete from {{ incremental_input_months_relation() }} where model = '{{ uid }}';
    insert into {{ incremental_input_months_relation() }}
    select '{{ uid }}', input, period_month, n, h
    from ({{ _incremental_from_current(_incremental_from_parts()) }});
    {%- set months, from_month = _rebuilt_months(plan, full) %}
    {{ record_output_months(this, column, months, from_month) }}
{%- endmacro %}


{% macro _rebuilt_months(plan, full) -%}
    {#- The months a run rewrites, as _months_condition's (months, from_month): every month
        (`full`), the months from the plan's month on, or none. -#}
    {%- if full -%}{{ return((none, none)) }}
    {%- elif plan['from'] is none -%}{{ return(([], none)) }}
    {%- else -%}{{ return((none, plan['from'])) }}
    {%- endif -%}
{%- endmacro %}


{% macro get_incremental_replace_from_month_sql(arg_dict) %}
    {#- The 'replace_from_month' strategy: delete the target's rows from the earliest changed
        month on (all of them when every month is recomputed), insert the model's rows for
        them, record the run. -#}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set column = config.get('incremental_month_column') or 'period_month' -%}
    {%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set plan = incremental_from_plan() -%}
    {%- set months, from_month = _rebuilt_months(plan, plan['all']) %}
    delete from {{ target_relation }} where {{ _months_condition(column, months, from_month) }};
    insert into {{ target_relation }} ({{ cols }})
    select {{ cols }} from {{ temp_relation }};
    {{ _incremental_from_record(plan, plan['all'], temp_relation) }}
{% endmacro %}


{% macro record_incremental_from_state() %}
    {#- Post-hook of a 'replace_from_month' model: after a build of every month (the first,
        or --full-refresh), record what it saw. An incremental run's strategy has recorded
        its own, in the same transaction (built_at = now()): left as it is. -#}
    {%- if execute -%}
        {%- if recorded_by_strategy() -%}
        select 1  -- the strategy recorded this run
        {%- else -%}
        {{ _incremental_from_record(incremental_from_plan(), true) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
