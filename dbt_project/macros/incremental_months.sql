{#- Incremental by month: a model whose rows of a month depend only on that month's raw rows
    (and on reference data) is materialized 'incremental' with the strategy 'replace_months'
    (get_incremental_replace_months_sql below) and filters its events with
    incremental_months_where(column). An incremental run then recomputes only the months
    that changed since the model last ran, so one more month of files costs O(month), not
    O(history):

    - every month of a raw batch loaded since (raw._loads.periods of the batches after the
      model's high-water batch, and the months of raw rows with a later _batch_id, for the
      raw sources upstream of the model, each by its contract's period_sql from the sources'
      meta). A file replaces every (period, scope) it holds (ingest/load.py), so a
      restatement's months, whose old rows went to raw.<source>__superseded, are among
      the months of the batch that superseded them;
    - the months that entered or left the history (macro in_history) since the last run:
      the history ends at the build's month, which moves with the clock and $CSP_AS_OF;
    - every month, when the model's fingerprint changed: the code of the model and of every
      model upstream of it (with the project's macros they call, macros_md5), the model's
      contract (contract_md5: a constraint added to a column), the contents of
      every seed upstream of it (areas, forces,
      offence classification, the measure catalogue, ...), var csp_first_month, and when an
      upstream incremental model last recomputed every month. So a seed edit or a changed
      model recomputes all of its months in place, and that propagates downstream.

    The months recomputed are replaced whole: the rows of those months are deleted, then the
    model's rows for them inserted (a month whose rows all vanished is deleted). What each
    model last saw is kept in `main._incremental_state` (one row per model: the batch it has
    seen up to, the history's end, the fingerprint, when it last recomputed every month, the
    months of its last run), written in the same transaction as the model's rows. Macros of
    other packages (dbt's own) are not in the fingerprint: after upgrading dbt, rebuild with
    `dbt build --full-refresh`, which always rebuilds every month from raw. -#}


{% macro incremental_state_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
        identifier='_incremental_state', type='table')) }}
{%- endmacro %}


{% macro incremental_upstream(unique_id, found) -%}
    {#- Every node upstream of `unique_id` (itself included): models, seeds and sources. -#}
    {%- if unique_id in found -%}{{ return(found) }}{%- endif -%}
    {%- set node = graph.nodes.get(unique_id) or graph.sources.get(unique_id) -%}
    {%- if node is none -%}{{ return(found) }}{%- endif -%}
    {%- do found.append(unique_id) -%}
    {%- if unique_id.startswith('model.') or unique_id.startswith('snapshot.') -%}
        {%- for parent in node['depends_on']['nodes'] -%}
            {%- do incremental_upstream(parent, found) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}


{% macro _incremental_relation(node) -%}
    {{ return(api.Relation.create(database=node['database'], schema=node['schema'],
        identifier=node.get('alias') or node.get('identifier') or node['name'])) }}
{%- endmacro %}


{% macro incremental_plan() %}
    {#- What an incremental run of the current model recomputes: {'all': true} (every month:
        no state yet, or the fingerprint changed) or {'all': false, 'months': ['YYYY-MM-01',
        ...]} (possibly none); with the values to record: batch_id, history_end, fingerprint.
        Runs queries: only at execution time. -#}
    {#- computed once per model run: the model's SQL, should_full_refresh, the strategy and the
        post-hook call it -#}
    {%- set cache_key = '_incremental_plan:' ~ invocation_id -%}
    {%- if model.get(cache_key) is not none -%}{{ return(model[cache_key]) }}{%- endif -%}
    {%- set uid = model['unique_id'] -%}
    {%- set state = incremental_state_relation() -%}
    {%- set upstream = incremental_upstream(uid, []) | sort -%}
    {%- set sources = [] -%}
    {%- set seeds = [] -%}
    {%- set incrementals = [] -%}
    {%- set code = [] -%}
    {%- for u in upstream -%}
        {%- if u.startswith('source.') -%}
            {%- do sources.append(graph.sources[u]) -%}
        {%- else -%}
            {%- set node = graph.nodes[u] -%}
            {%- if node['resource_type'] == 'seed' -%}
                {%- do seeds.append(node) -%}
            {%- elif node['resource_type'] in ('model', 'snapshot') -%}
                {%- do code.append(u ~ ':' ~ local_md5(node['raw_code'] or '')) -%}
                {%- do code.append(u ~ ':macros:' ~ macros_md5(node)) -%}
                {%- if u == uid -%}{%- do code.append(u ~ ':contract:' ~ contract_md5(node)) -%}{%- endif -%}
                {%- if u != uid and node['config']['materialized'] == 'incremental' -%}
                    {%- do incrementals.append(u) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set raw_db = sources[0]['database'] if sources else target.database -%}
    {%- set exists = run_query(
        "select count(*) filter (where schema_name = '" ~ state.schema ~ "' and table_name = '"
        ~ state.identifier ~ "'), count(*) filter (where schema_name = 'raw' and table_name = '_loads') "
        ~ "from duckdb_tables() where database_name = '" ~ target.database ~ "' or database_name = '"
        ~ raw_db ~ "'").rows[0] -%}
    {%- set has_state, has_loads = exists[0] > 0, exists[1] > 0 -%}
    {%- set source_names = [] -%}
    {%- for s in sources -%}{%- do source_names.append("'" ~ s['name'] ~ "'") -%}{%- endfor -%}

    {%- set query -%}
        with

        {% if has_state -%}
        previous as (select * from {{ state }} where model = '{{ uid }}'),
        {%- else -%}
        previous as (
            select null::varchar as fingerprint, null::bigint as batch_id,
                null::date as history_end, null::timestamp as full_built_at
            where false
        ),
        {%- endif %}

        upstream_states as (
            {% if has_state and incrementals -%}
            select list(batch_id) as batch_ids, string_agg(model || '@' || full_built_at::varchar, ',' order by model) as generations
            from {{ state }}
            where model in ({% for u in incrementals %}'{{ u }}'{{ ', ' if not loop.last }}{% endfor %})
            {%- else -%}
            select []::bigint[] as batch_ids, '' as generations
            {%- endif %}
        ),

        loaded as (
            select list_max([
                {% if has_loads %}(select max(batch_id) from {{ raw_db }}.raw._loads),{% endif %}
                {% for s in sources %}(select max(_batch_id) from {{ _incremental_relation(s) }}),{% endfor %}
                0
            ]) as batch_id
        )

        select
            md5(concat_ws('|',
                '{{ local_md5(code | join(",")) }}',
                '{{ var("csp_first_month", "2010-04-01") }}',
                {% for s in seeds -%}
                (select '{{ s["name"] }}:' || count(*) || ':' || coalesce(sum(hash(t::varchar)), 0)
                    from {{ _incremental_relation(s) }} as t),
                {% endfor -%}
                (select generations from upstream_states)
            )) as fingerprint,
            -- the batch seen up to: the raw's latest, but no later than an upstream
            -- incremental model has seen (a model built before its parents caught up
            -- recomputes those batches' months again when they have)
            list_min(list_append((select batch_ids from upstream_states), (select batch_id from loaded)))
                as batch_id,
            {{ history_end() }} as history_end,
            (select fingerprint from previous) as previous_fingerprint,
            (select batch_id from previous) as previous_batch_id,
            (select history_end from previous) as previous_history_end,
            (select full_built_at from previous) as previous_full_built_at
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- set plan = {
        'fingerprint': row[0], 'batch_id': row[1], 'history_end': row[2],
        'previous_full_built_at': row[6],
        'all': row[3] is none or row[3] != row[0],
        'months': [],
    } -%}
    {%- if not plan['all'] -%}
        {%- set months_query -%}
            select distinct strftime(m, '%Y-%m-%d') as m
            from (
                {% if has_loads -%}
                select strptime(p || '-01', '%Y-%m-%d')::date as m
                from (
                    select unnest(periods) as p
                    from {{ raw_db }}.raw._loads
                    where status = 'loaded'
                      and source in ({{ source_names | join(', ') if source_names else "''" }})
                      and batch_id > {{ row[4] }}
                )
                where regexp_full_match(p, '[0-9]{4}-[0-9]{2}')
                union all
                {% endif -%}
                {% for s in sources if (s['config']['meta'] or s['meta'] or {}).get('period_sql') -%}
                select distinct try_strptime(({{ (s['config']['meta'] or s['meta']).get('period_sql') }}) || '-01', '%Y-%m-%d')::date
                from {{ _incremental_relation(s) }}
                where _batch_id > {{ row[4] }}
                union all
                {% endfor -%}
                -- months entering or leaving the history since the last run
                select unnest(generate_series(
                    least(date '{{ row[5] }}', {{ history_end() }}) + interval 1 month,
                    greatest(date '{{ row[5] }}', {{ history_end() }}),
                    interval 1 month))::date
            )
            where m is not null
            order by 1
        {%- endset -%}
        {%- for r in run_query(months_query).rows -%}{%- do plan['months'].append(r[0]) -%}{%- endfor -%}
    {%- endif -%}
    {%- do model.update({cache_key: plan}) -%}
    {{ return(plan) }}
{% endmacro %}


{% macro incremental_months_where(column, format=none) -%}
    {#- The condition a model's events meet on an incremental run: their month is one to
        recompute (`true` on a full build or when every month is, and in a unit test, whose
        given rows are the whole input unless it overrides is_incremental). `column` is a
        date (the month's first day), or text of strftime `format` (e.g. '%Y-%m': a raw
        column compared as written, so DuckDB skips the row groups of other months). -#}
    {%- if execute and model['resource_type'] != 'unit_test' and is_incremental() -%}
        {%- set plan = incremental_plan() -%}
        {%- if plan['all'] -%}true
        {%- elif plan['months'] and format -%}{{ column }} in ({% for m in plan['months'] %}'{{ modules.datetime.datetime.strptime(m, '%Y-%m-%d').strftime(format) }}'{{ ', ' if not loop.last }}{% endfor %})
        {%- else -%}{{ _months_condition(column, plan['months']) }}
        {%- endif -%}
    {%- else -%}true
    {%- endif -%}
{%- endmacro %}


{% macro _incremental_state_ddl() -%}
    create table if not exists {{ incremental_state_relation() }} (
        model varchar,
        batch_id bigint,
        history_end date,
        fingerprint varchar,
        full_built_at timestamp,
        months_rebuilt date[],
        built_at timestamp
    )
{%- endmacro %}


{% macro _incremental_state_row(plan, full) -%}
    {#- The state row of the current model after this run (`full`: every month rebuilt). -#}
    select
        '{{ model["unique_id"] }}',
        {{ plan['batch_id'] }},
        {{ history_end() }},
        '{{ plan["fingerprint"] }}',
        {% if full or plan['previous_full_built_at'] is none -%}now()::timestamp
        {%- else -%}timestamp '{{ plan["previous_full_built_at"] }}'{%- endif %},
        {% if full -%}null
        {%- else -%}[{% for m in plan['months'] %}date '{{ m }}'{{ ', ' if not loop.last }}{% endfor %}]::date[]
        {%- endif %},
        now()::timestamp
{%- endmacro %}


{% macro get_incremental_replace_months_sql(arg_dict) %}
    {#- The 'replace_months' strategy: delete the target's rows of every month recomputed
        (all of them when every month is), insert the model's rows for them, and record the
        run in main._incremental_state. The month column is config incremental_month_column
        (default period_month). -#}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set column = config.get('incremental_month_column') or 'period_month' -%}
    {%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set plan = incremental_plan() -%}
    {%- set full = plan['all'] -%}
    delete from {{ target_relation }}
    where {{ _months_condition(column, none if full else plan['months']) }};
    insert into {{ target_relation }} ({{ cols }})
    select {{ cols }} from {{ temp_relation }};
    {{ _incremental_state_ddl() }};
    delete from {{ incremental_state_relation() }} where model = '{{ model["unique_id"] }}';
    insert into {{ incremental_state_relation() }} {{ _incremental_state_row(plan, full) }};
    {{ record_output_months(target_relation, column, months=none if full else plan['months']) }}
{% endmacro %}


{% macro record_incremental_state() %}
    {#- Post-hook of an incremental-by-month model: after a build of every month (the first,
        or --full-refresh), record what it has seen. An incremental run's strategy has recorded
        its own row already, in the same transaction (built_at = now()): left as it is. -#}
    {%- if execute -%}
        {%- if recorded_by_strategy() -%}
        select 1  -- the strategy recorded this run
        {%- else -%}
        {%- set plan = incremental_plan() -%}
        delete from {{ incremental_state_relation() }}
        where model = '{{ model["unique_id"] }}'
          and built_at is distinct from now()::timestamp;
        insert into {{ incremental_state_relation() }}
        {{ _incremental_state_row(plan, true) }}
        where not exists (
            select 1 from {{ incremental_state_relation() }}
            where model = '{{ model["unique_id"] }}'
        );
        {{ record_output_months(this, config.get('incremental_month_column') or 'period_month', none) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{% macro should_full_refresh() -%}
    {#- dbt's own (config full_refresh, else the --full-refresh flag), and one more rule: a
        model incremental by month ('replace_months', 'replace_from_month') whose plan
        recomputes every month (its code, a macro or a seed it reads changed; the first run
        after a full build takes in the publish history) is built as a new table and swapped
        in, as a full build builds it, instead of deleting and inserting every row in one
        transaction: at national scale that holds ten years of rows twice, and DuckDB ran out
        of its 4 GB with crime_by_lsoa_month and the scorecard recomputed side by side.
        is_incremental() asks this too, so the model's SQL then selects every month. -#}
    {%- set configured = config.get('full_refresh') -%}
    {%- if configured is not none -%}{{ return(configured) }}{%- endif -%}
    {%- set strategy = config.get('incremental_strategy') -%}
    {%- if flags.FULL_REFRESH or not execute or model.get('resource_type') != 'model'
        or config.get('materialized') != 'incremental'
        or strategy not in ('replace_months', 'replace_from_month')
        or load_cached_relation(this) is none -%}
        {{ return(flags.FULL_REFRESH) }}
    {%- endif -%}
    {%- set plan = incremental_plan() if strategy == 'replace_months' else incremental_from_plan() -%}
    {{ return(plan['all']) }}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's own (the test's `where` config), and one more rule: a generic test of a model
        incremental by month checks the months that the model's last run recomputed (all of
        them after a full build), not the whole history again. The other months are the
        rows an earlier run wrote and its tests checked, untouched since: at national scale
        a uniqueness test of the whole history costs more than recomputing the month.
        `dbt test --vars '{csp_test_every_month: true}'` checks every month. -#}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set months = incremental_months_tested(relation) -%}
    {%- if months -%}{%- do conditions.append(months) -%}{%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro incremental_months_tested(relation) -%}
    {#- The condition on a 'replace_months' or 'replace_from_month' model's rows that its last
        run recomputed (empty for any other relation): its month is among the state's months_rebuilt, or
        that run rebuilt every month (months_rebuilt NULL). A view whose rows of a month are
        those of one such model's month (config meta `months_of`: the model's name, e.g.
        fct_crime over int_crime__events) is tested by that model's months. -#}
    {%- set identifier = relation.identifier if relation.identifier is defined else none -%}
    {%- if not execute or var('csp_test_every_month', false) or not identifier -%}
        {{ return('') }}
    {%- endif -%}
    {%- set tested = _incremental_tested_models().get(
        (relation.schema or '') | lower ~ '.' ~ identifier | lower) -%}
    {%- if tested is none -%}{{ return('') }}{%- endif -%}
    {%- set uid, column = tested -%}
    {#- once per model and invocation: a model's tests run after it, and it runs once -#}
    {%- set cache_key = '_incremental_months_tested:' ~ invocation_id ~ ':' ~ uid ~ ':' ~ column -%}
    {%- if graph.get(cache_key) is not none -%}{{ return(graph[cache_key]) }}{%- endif -%}
    {{ return(_incremental_months_condition(uid, column, cache_key)) }}
{%- endmacro %}


{% macro _incremental_months_condition(uid, column, cache_key) -%}
    {#- the months as literals: DuckDB pushes them through a view and skips the row
        groups of other months -#}
    {%- set state = incremental_state_relation() -%}
    {%- if adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = run_query(
        "select months_rebuilt is null, array_to_string(list_transform(months_rebuilt, "
        ~ "m -> strftime(m, '%Y-%m-%d')), ',') from " ~ state ~ " where model = '" ~ uid ~ "'") -%}
    {%- set months = [] -%}
    {%- if found.rows | length == 0 or found.rows[0][0] -%}
        {%- set condition = '' -%}
    {%- else -%}
        {%- for m in (found.rows[0][1] or '').split(',') if m -%}{%- do months.append("date '" ~ m ~ "'") -%}{%- endfor -%}
        {%- set condition = (column ~ " in (" ~ months | join(', ') ~ ")") if months else 'false' -%}
    {%- endif -%}
    {%- do graph.update({cache_key: condition}) -%}
    {{ return(condition) }}
{%- endmacro %}


{% macro _incremental_tested_models() -%}
    {#- schema.name (lower case) -> (unique_id of the model whose months are tested, month
        column), for the models incremental_months_tested narrows. Built once per
        invocation and kept on the graph, which every node's context shares: the loop over
        the graph's nodes cost every one of a national increment's hundred-odd tests ~15 ms. -#}
    {%- set cache_key = '_incremental_tested_models:' ~ invocation_id -%}
    {%- if graph.get(cache_key) is not none -%}{{ return(graph[cache_key]) }}{%- endif -%}
    {%- set found = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- set key = (node.schema or '') | lower ~ '.' ~ (node.alias or node.name) | lower -%}
        {%- set months_of = (node.config.meta or {}).get('months_of') -%}
        {%- if node.config.materialized == 'incremental'
            and node.config.get('incremental_strategy') in ('replace_months', 'replace_from_month') -%}
            {%- do found.update({key: (node.unique_id, node.config.get('incremental_month_column') or 'period_month')}) -%}
        {%- elif months_of -%}
            {%- do found.update({key: ('model.' ~ node.package_name ~ '.' ~ months_of, 'period_month')}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do graph.update({cache_key: found}) -%}
    {{ return(found) }}
{%- endmacro %}


{% macro recorded_by_strategy() -%}
    {#- In an incremental model's post-hook: whether this run's strategy has recorded the
        model's state row already (in the run's transaction: built_at = now()). Otherwise the
        run built every month (the first run, --full-refresh) and the post-hook records. -#}
    {%- do run_query(_incremental_state_ddl()) -%}
    {%- set done = run_query(
        "select count(*) from " ~ incremental_state_relation() ~ " where model = '"
        ~ model['unique_id'] ~ "' and built_at = now()::timestamp").rows[0][0] -%}
    {{ return(done > 0) }}
{%- endmacro %}


{% macro output_months_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
        identifier='_incremental_output_months', type='table')) }}
{%- endmacro %}


{% macro record_output_months(relation, column, months=none, from_month=none) -%}
    {#- Keep the fingerprint of each month of an incremental mart's rows (row count and sum
        of row hashes, as the publish compares them) in main._incremental_output_months: for
        `months` (a list of 'YYYY-MM-DD'), or the months from `from_month` on, or every month
        when both are none: the months a run rewrote. The publish
        (orchestration/defs/publish/serving.py) compares these with the fingerprints of what
        it last published and rewrites the months that differ, without reading ten years of
        rows on either side. Runs in the run's transaction. -#}
    {#- only the marts, which the publish copies: the intermediate models' (tens of millions
        of events) would cost a full build seconds of hashing for nothing -#}
    {%- if 'marts' not in model['fqn'] -%}{{ return('') }}{%- endif -%}
    {%- set name = relation.schema ~ '.' ~ relation.identifier -%}
    create table if not exists {{ output_months_relation() }} (
        relation varchar, period_month date, n bigint, h hugeint
    );
    delete from {{ output_months_relation() }}
    where relation = '{{ name }}' and {{ _months_condition('period_month', months, from_month) }};
    insert into {{ output_months_relation() }}
    select '{{ name }}', {{ column }}::date, count(*)::bigint, sum(hash(t))::hugeint
    from {{ relation }} as t
    where {{ _months_condition(column, months, from_month) }}
    group by all
{%- endmacro %}


{% macro _months_condition(column, months, from_month=none) -%}
    {#- The condition on `column` of the months a run rewrites: from `from_month` on, or
        those of `months` (a list of 'YYYY-MM-DD'; every month when none, no month when
        empty). -#}
    {%- if from_month is not none -%}{{ column }} >= date '{{ from_month }}'
    {%- elif months is none -%}true
    {%- elif months -%}{{ column }} in ({% for m in months %}date '{{ m }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- else -%}false
    {%- endif -%}
{%- endmacro %}


{% macro macros_md5(node) -%}
    {#- The md5 of the code of every macro of this project that `node` (a model's graph node)
        calls, directly or through other macros: a fix to a macro that computes a figure
        (macros/measures.sql, ...) recomputes the incremental models that use it. -#}
    {%- set found = [] -%}
    {%- for uid in (node.get('depends_on') or {}).get('macros') or [] -%}
        {%- do _project_macros(uid, found) -%}
    {%- endfor -%}
    {%- set namespace = context.get(project_name) or {} -%}
    {%- set parts = [] -%}
    {%- for uid in found | sort -%}
        {%- do parts.append(uid ~ ':' ~ namespace[uid.split('.')[-1]].macro.macro_sql) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}


{% macro contract_md5(node) -%}
    {#- The md5 of a model's contract (each column's type and constraints, the model's
        constraints): a table made before a constraint was added (NOT NULL on a mart's
        column) is built again with it. -#}
    {%- set parts = [] -%}
    {%- for name, column in (node.get('columns') or {}).items() | sort -%}
        {%- do parts.append(name ~ ':' ~ (column.get('data_type') or '') ~ ':'
            ~ tojson(column.get('constraints') or [])) -%}
    {%- endfor -%}
    {%- do parts.append(tojson(node.get('constraints') or [])) -%}
    {{ return(local_md5(parts | join('|'))) }}
{%- endmacro %}


{% macro _project_macros(unique_id, found) -%}
    {%- set namespace = context.get(project_name) or {} -%}
    {%- set name = unique_id.split('.')[-1] -%}
    {%- if unique_id in found or not unique_id.startswith('macro.' ~ project_name ~ '.')
        or name not in namespace -%}
        {{ return(found) }}
    {%- endif -%}
    {%- do found.append(unique_id) -%}
    {%- for uid in namespace[name].macro.depends_on.macros -%}
        {%- do _project_macros(uid, found) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
