{#- The measure catalogue (seeds/measures.csv) is the one home of every measure: the SQL that
    counts a measure is generated from its row here, the scorecard reads its name, unit and rate
    from the seed table, the Superset generator and the tests read the same file.

    Columns of a row (all text; blank = ''):
      measure_code, measure_name, description, domain, display_order, unit,
      period_type      month | quarter | financial_year (period_month = the period's last month)
      method           how it is counted, one of measure_methods() below
      source           the extracts it reads. 'a|b': the first of a, b that has data for the
                       area and period (police_crime|police_street: the record-level extract where
                       the force sent it, else the published data.police.uk categories);
                       'a+b': needs all of them (a cohort and its convictions)
      numerator_rule   a SQL condition on the source's events (count, stock, ytd_proportion,
                       distinct_ytd, repeat_people, change, ytd_change), the expression summed
                       (sum), or the measure codes it combines, '|'-separated (sum_of)
      denominator_rule a SQL condition on the same events (ytd_proportion: the proportion's
                       denominator; change, ytd_change: the comparison)
      rate_denominator population | households (with rate_per: a rate per rate_per of it)
      rate_per         1000 | 100000 ...
      higher_is_better true | false | blank (neutral)
      numerator_definition, denominator_definition   the same, in words
      valid_from       blank, or the first day of the month (1 April for a year-to-date
                       measure) from which this row's definition applies: a measure whose
                       definition changed has one row per definition, alike but for the
                       rules, their words and the description; each period is counted and
                       labelled with the definition in force for it -#}


{% macro measure_methods() %}
    {#- Every way a measure can be counted. `events`: the method counts the events of an events
        model (numerator_rule is a SQL condition on them); `implemented`: the counting SQL exists
        in measure_event_counts() (the others are the catalogue's design for the domains still
        to come; a row using one fails when its source gets an events model). -#}
    {{ return({
        'count': {'events': true, 'implemented': true,
            'words': 'events in the period that meet numerator_rule'},
        'stock': {'events': true, 'implemented': true,
            'words': 'events meeting numerator_rule at the period end (a level, not a flow): its year to date is its level at the latest period, never a sum of levels'},
        'ytd_proportion': {'events': true, 'implemented': true,
            'words': '100 x events meeting numerator_rule / events meeting denominator_rule, both from 1 April to the period end'},
        'distinct_ytd': {'events': true, 'implemented': true,
            'words': 'distinct people (person_ref) with an event meeting numerator_rule from 1 April to the period end'},
        'repeat_people': {'events': true, 'implemented': true,
            'words': 'distinct people (person_ref) with more than one event meeting numerator_rule in the period'},
        'sum': {'events': true, 'implemented': true,
            'words': 'sum over the period of the numerator_rule expression; no data when it is NULL for any event'},
        'sum_of': {'events': false, 'implemented': true,
            'words': 'sum of the measures listed in numerator_rule; no data when any of them has none'},
        'change': {'events': true, 'implemented': true,
            'words': '100 x (events meeting numerator_rule - events meeting denominator_rule) / the latter, in the period: the denominator_rule picks the comparison (e.g. the same cohort a year before)'},
        'ytd_change': {'events': true, 'implemented': true,
            'words': 'the same as change, both counted from 1 April to the period end'},
        'partner_return': {'events': false, 'implemented': true,
            'words': 'the value a partner returned for the indicator code equal to measure_code (source indicator_returns, int_scorecard__partner_returns): a % keeps its numerator as count and its denominator; a count is its value'},
    }) }}
{% endmacro %}


{% macro measure_methods_with_denominator() %}
    {#- The methods whose denominator_rule is counted beside the numerator_rule. -#}
    {{ return(['ytd_proportion', 'change', 'ytd_change']) }}
{% endmacro %}


{% macro measure_period_types() %}
    {{ return(['month', 'quarter', 'financial_year']) }}
{% endmacro %}


{% macro measure_rate_denominators() %}
    {#- rate_denominator -> the column of seeds/population.csv it reads. -#}
    {{ return({'population': 'population', 'households': 'households'}) }}
{% endmacro %}


{% macro measure_catalogue_path() %}
    {#- The catalogue file (the seed's file), for the check that runs before the seed is loaded.
        dbt caches its project path with the parse: run dbt from inside dbt_project/ or with an
        absolute --project-dir, as Dagster and the tests do. -#}
    {%- set node = graph.nodes.get('seed.' ~ project_name ~ '.measures') -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("the measure catalogue seed 'measures' is missing (seeds/measures.csv)") }}
    {%- endif -%}
    {{ return(node.root_path ~ '/' ~ node.original_file_path) }}
{% endmacro %}


{% macro measure_source_list(source) %}
    {#- 'police_crime|police_street' -> ['police_crime', 'police_street'] (also '+'). -#}
    {%- set out = [] -%}
    {%- for part in modules.re.split('[|+]', source or '') -%}
        {%- if part | trim -%}{%- do out.append(part | trim) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}


{% macro measure_catalogue_rows(sql) %}
    {#- The rows of `sql` (a "row" column, then the catalogue's columns) as dicts of text
        ('' for blank), each with `row` (its line in the file, the header being line 1) and
        `sources` (the source list). -#}
    {%- set table = run_query(sql) -%}
    {%- set rows = [] -%}
    {%- for r in table.rows -%}
        {%- set d = {} -%}
        {%- for c in table.column_names -%}
            {%- do d.update({c: ('' if r[c] is none else (r[c] | string | trim))}) -%}
        {%- endfor -%}
        {%- do d.update({'row': r['row'] | int, 'sources': measure_source_list(d.get('source'))}) -%}
        {%- do rows.append(d) -%}
    {%- endfor -%}
    {{ return(rows) }}
{% endmacro %}


{% macro measure_catalogue() %}
    {#- The catalogue as loaded by `dbt seed` (seeds/measures.csv), read when a model is
        compiled. A model that uses it declares `-- depends_on: {{ ref('measures') }}` so that
        the seed is loaded first. The seed table is looked up by name rather than through ref(),
        so that a dbt unit test of such a model reads the real catalogue too (its `given` for
        ref('measures') only satisfies the dependency); a unit test may instead override this
        macro with the rows it needs (`overrides: macros: measure_catalogue: [...]`). -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=generate_schema_name('seeds') | trim, identifier='measures') -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error("the measure catalogue is not loaded: run `dbt seed --select measures` (dbt build does)") }}
    {%- endif -%}
    {{ return(measure_definitions_grouped(measure_catalogue_rows("select (rowid + 2)::integer as \"row\", * from " ~ relation ~ " order by rowid"))) }}
{% endmacro %}


{% macro measure_definitions_grouped(rows) %}
    {#- The catalogue's rows as measures: one dict per measure_code (its row with the latest
        valid_from, i.e. the definition in force now), each with `definitions`, the code's rows
        in order of valid_from (valid_from and valid_to: 'YYYY-MM-DD' or '' for "since always"
        / "still in force"; numerator_rule, denominator_rule and their definitions in words). A
        measure whose definition never changed has one row and one definition. -#}
    {%- set by_code = {} -%}
    {%- set order = [] -%}
    {%- for r in rows -%}
        {%- if r.measure_code not in by_code -%}
            {%- do by_code.update({r.measure_code: []}) -%}
            {%- do order.append(r.measure_code) -%}
        {%- endif -%}
        {%- do by_code[r.measure_code].append(r) -%}
    {%- endfor -%}
    {%- set out = [] -%}
    {%- for code in order -%}
        {%- set versions = by_code[code] | sort(attribute='valid_from') -%}
        {%- set definitions = [] -%}
        {%- for v in versions -%}
            {%- do definitions.append({
                'valid_from': v.get('valid_from', ''),
                'valid_to': (versions[loop.index].get('valid_from', '') if not loop.last else ''),
                'numerator_rule': v.numerator_rule,
                'denominator_rule': v.denominator_rule,
                'numerator_definition': v.get('numerator_definition', ''),
                'denominator_definition': v.get('denominator_definition', ''),
                'row': v.get('row')}) -%}
        {%- endfor -%}
        {%- set current = dict(versions | last) -%}
        {%- do current.update({'definitions': definitions}) -%}
        {%- do out.append(current) -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}


{% macro measure_rule(m, rule) %}
    {#- The SQL condition of `m`'s `rule` ('numerator_rule' or 'denominator_rule') over events
        with a period_month: the rule itself when the measure has one definition, else each
        definition's rule within its own dates (a change of definition applies from its
        valid_from, never to the periods before). A definition without the rule counts
        nothing. -#}
    {%- set definitions = m.get('definitions') or [] -%}
    {%- if definitions | length <= 1 -%}
        {{ return('(' ~ m[rule] ~ ')') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for d in definitions -%}
        {%- set when = [] -%}
        {%- if d.valid_from -%}{%- do when.append("period_month >= date '" ~ d.valid_from ~ "'") -%}{%- endif -%}
        {%- if d.valid_to -%}{%- do when.append("period_month < date '" ~ d.valid_to ~ "'") -%}{%- endif -%}
        {%- do parts.append('(' ~ (when | join(' and ') or 'true') ~ ' and (' ~ (d[rule] or 'false') ~ '))') -%}
    {%- endfor -%}
    {{ return('(' ~ parts | join(' or ') ~ ')') }}
{% endmacro %}


{% macro measures_counted_from(events_sources) %}
    {#- The catalogue rows that an events model holding `events_sources` counts: methods that
        count events, every source of the row among `events_sources`. A row that needs a
        method whose SQL does not exist yet stops the build here, naming the row. -#}
    {%- set methods = measure_methods() -%}
    {%- set out = [] -%}
    {%- for m in measure_catalogue() -%}
        {%- set srcs = m.get('sources') or measure_source_list(m.get('source')) -%}
        {%- set method = methods.get(m.method) -%}
        {%- if method and method.events and srcs and (srcs | reject('in', events_sources) | list | length == 0) -%}
            {%- if not method.implemented -%}
                {{ exceptions.raise_compiler_error(
                    "seeds/measures.csv row " ~ m.get('row', '?') ~ " (measure '" ~ m.measure_code
                    ~ "'), column 'method': '" ~ m.method ~ "' is not implemented yet for "
                    ~ (events_sources | join(', ')) ~ " (measure_event_counts supports: "
                    ~ (methods.items() | selectattr('1.events') | selectattr('1.implemented') | map(attribute='0') | join(', ')) ~ ")") }}
            {%- endif -%}
            {%- do out.append(m) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}


{% macro measure_values_sql(measures) %}
    {#- The measures as a relation (measure_code, method, sources VARCHAR[] in order of
        preference, needs_all: the measure needs every one of its sources, 'a+b'). -#}
    {%- if measures | length == 0 -%}
        select null::varchar as measure_code, null::varchar as method, null::varchar[] as sources,
            null::boolean as needs_all
        where false
    {%- else -%}
        select * from (values
        {%- for m in measures %}
            ('{{ m.measure_code }}', '{{ m.method }}', [{% for s in (m.get('sources') or measure_source_list(m.source)) %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %}]::varchar[], {{ 'true' if '+' in (m.source or '') else 'false' }}){{ ',' if not loop.last }}
        {%- endfor %}
        ) as t (measure_code, method, sources, needs_all)
    {%- endif -%}
{% endmacro %}


{% macro measure_event_counts(events, measures, grain) %}
    {#- Counts of `events` (a relation with `source` and `period_month`) for each measure of
        `measures` at the `grain` columns: one scan, one `count(*) FILTER (...)` per measure
        (and one more for the denominator_rule of a proportion or a change), each counting
        only its own sources' events; then one row per measure and group that has events
        (measure_code, source, period_month, grain..., event_count, denominator_count: NULL
        but for the methods with a denominator). A measure that needs all its sources ('a+b')
        counts the events of each as one, under source 'a+b'. A repeat_people measure counts the distinct people (the events'
        person_ref) with more than one event meeting its rule in the group: it needs each
        person's events first, so it has a scan of its own. A distinct_ytd measure counts each
        person once in the financial year, in the first month they meet its rule (a scan of
        its own too): the scorecard's year-to-date sum of these is the distinct people from
        1 April. A sum measure sums its numerator_rule expression over its sources' events, and
        is no data (event_count NULL) when the expression is NULL for any of them. The YTD sums of a proportion
        are the scorecard's. -#}
    {%- set with_denominator = measure_methods_with_denominator() -%}
    {%- set per_event = measures | selectattr('method', 'in', ['count', 'stock', 'sum'] + with_denominator) | list -%}
    {%- set needs_all = [] -%}
    {%- for m in measures if '+' in (m.source or '') -%}{%- do needs_all.append(m) -%}{%- endfor -%}
    {%- set per_person = measures | selectattr('method', 'equalto', 'repeat_people') | list -%}
    {%- set per_person_year = measures | selectattr('method', 'equalto', 'distinct_ytd') | list -%}
    {%- if measures | length == 0 -%}
        select null::varchar as measure_code, null::varchar as source, null::date as period_month,
            {% for g in grain %}null::varchar as {{ g }}, {% endfor %}null::bigint as event_count,
            null::bigint as denominator_count
        where false
    {%- else -%}
        {%- set columns = [] -%}
        {%- set parts = [] -%}
        with
        {%- if per_event %}
        counted as (
            select
                source,
                period_month,
                {% for g in grain %}{{ g }},
                {% endfor -%}
                {%- for m in per_event %}
                {%- set in_sources %}source in ({% for s in (m.get('sources') or measure_source_list(m.source)) %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %}){% endset %}
                {%- do columns.append(m.measure_code ~ '|n') %}
                {%- if m.method == 'sum' %}
                -- a sum is no data when the expression is NULL for any of its events
                (case
                    when count(*) filter (where {{ in_sources }} and ({{ m.numerator_rule }}) is null) = 0
                        then coalesce(sum({{ m.numerator_rule }}) filter (where {{ in_sources }}), 0)
                end)::bigint
                {%- else %}
                count(*) filter (where {{ in_sources }} and {{ measure_rule(m, 'numerator_rule') }})::bigint
                {%- endif %}
                    as "{{ m.measure_code }}|n"{{ ',' if not loop.last or m.method in with_denominator }}
                {%- if m.method in with_denominator %}
                {%- do columns.append(m.measure_code ~ '|d') %}
                count(*) filter (where {{ in_sources }} and {{ measure_rule(m, 'denominator_rule') }})::bigint
                    as "{{ m.measure_code }}|d"{{ ',' if not loop.last }}
                {%- endif %}
                {%- endfor %}
            from {{ events }}
            group by all
        ),
        {%- set quoted = [] -%}
        {%- for c in columns %}{% do quoted.append('"' ~ c ~ '"') %}{% endfor -%}
        {#- zero numerators go before the second grouping: at national scale nearly every
            (group, measure) is one, and the unpivot is groups x measures rows (a denominator
            part stays: 0 and no denominator differ) -#}
        {%- do parts.append('select * from (select * from counted unpivot include nulls (n for measure_part in (' ~ (quoted | join(', ')) ~ "))) where n <> 0 or n is null or measure_part like '%|d'") %}
        {%- endif %}
        {%- for m in per_person %}
        "people|{{ m.measure_code }}" as (
            select source, period_month, {% for g in grain %}{{ g }}, {% endfor %}person_ref,
                count(*) as events
            from {{ events }}
            where source in ({% for s in (m.get('sources') or measure_source_list(m.source)) %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})
              and person_ref is not null
              and {{ measure_rule(m, 'numerator_rule') }}
            group by all
        ),
        {%- do parts.append('select source, period_month, ' ~ (grain | join(', ')) ~ (', ' if grain else '')
            ~ "'" ~ m.measure_code ~ "|n' as measure_part, count(*) filter (where events > 1)::bigint as n from \"people|"
            ~ m.measure_code ~ '\" group by all') %}
        {%- endfor %}
        {%- for m in per_person_year %}
        "first|{{ m.measure_code }}" as (
            -- each person once in the financial year: at the first month they meet the rule
            select source, {% for g in grain %}{{ g }}, {% endfor %}person_ref,
                min(period_month) as period_month
            from {{ events }}
            where source in ({% for s in (m.get('sources') or measure_source_list(m.source)) %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})
              and person_ref is not null
              and {{ measure_rule(m, 'numerator_rule') }}
            group by source, {% for g in grain %}{{ g }}, {% endfor %}person_ref, {{ fy_start_year('period_month') }}
        ),
        {%- do parts.append('select source, period_month, ' ~ (grain | join(', ')) ~ (', ' if grain else '')
            ~ "'" ~ m.measure_code ~ "|n' as measure_part, count(*)::bigint as n from \"first|"
            ~ m.measure_code ~ '\" group by all') %}
        {%- endfor %}
        long as (
            {{ parts | join('\n            union all by name\n            ') }}
        ),
        summed as (
            select
                split_part(long.measure_part, '|', 1) as measure_code,
                {%- if needs_all %}
                -- a measure that needs all its sources ('a+b') counts them as one
                case split_part(long.measure_part, '|', 1)
                    {%- for m in needs_all %}
                    when '{{ m.measure_code }}' then '{{ m.source }}'
                    {%- endfor %}
                    else long.source
                end as source,
                {%- else %}
                long.source,
                {%- endif %}
                long.period_month,
                {% for g in grain %}long.{{ g }},
                {% endfor -%}
                -- NULL (a sum that is no data) in any part makes the whole no data; the parts
                -- left out above were zeros
                (case
                    when count(*) filter (where split_part(long.measure_part, '|', 2) = 'n' and long.n is null) = 0
                        then coalesce(sum(long.n) filter (where split_part(long.measure_part, '|', 2) = 'n'), 0)
                end)::bigint as event_count,
                sum(long.n) filter (where split_part(long.measure_part, '|', 2) = 'd')::bigint
                    as denominator_count
            from long
            group by all
        )
        select measure_code, source, period_month, {% for g in grain %}{{ g }}, {% endfor %}event_count,
            denominator_count
        from summed
        where event_count > 0 or denominator_count > 0
            -- a sum that is no data (its expression NULL for an event) stays, as NULL
            or (event_count is null and denominator_count is null)
    {%- endif -%}
{% endmacro %}


{% macro validate_measure_catalogue() %}
    {#- Run before anything else in every dbt build (on-run-start): every row of the catalogue
        is checked and a bad one stops the build with its row, column and reason. -#}
    {%- if execute -%}
    {%- set rows = measure_catalogue_rows(
        "select (row_number() over () + 1)::integer as \"row\", * from read_csv('"
        ~ measure_catalogue_path() ~ "', header = true, all_varchar = true)") -%}
    {%- set methods = measure_methods() -%}
    {%- set period_types = measure_period_types() -%}
    {%- set rate_denominators = measure_rate_denominators() -%}
    {#- Known sources: those with an ingest contract (the raw sources, generated from the
        contracts) and those partners will send that have no contract yet
        (seeds/planned_sources.csv). -#}
    {%- set contracted = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == 'raw' -%}{%- do contracted.append(node.name) -%}{%- endif -%}
    {%- endfor -%}
    {%- set planned = [] -%}
    {%- set planned_node = graph.nodes.get('seed.' ~ project_name ~ '.planned_sources') -%}
    {%- if planned_node is not none -%}
        {%- set planned_rows = run_query("select source from read_csv('" ~ planned_node.root_path ~ '/' ~ planned_node.original_file_path ~ "', header = true, all_varchar = true)") -%}
        {%- for r in planned_rows.rows -%}{%- do planned.append(r['source'] | trim) -%}{%- endfor -%}
    {%- endif -%}
    {%- set known_sources = contracted + planned -%}
    {#- Columns each events model offers to rules: models whose YAML meta names the sources
        whose events they hold (meta: {measure_events_for: [...]}). -#}
    {%- set event_columns = {} -%}
    {%- for node in graph.nodes.values() -%}
        {%- set for_sources = (node.config.meta or {}).get('measure_events_for') or (node.meta or {}).get('measure_events_for') -%}
        {%- if node.resource_type == 'model' and for_sources -%}
            {%- for s in for_sources -%}
                {%- do event_columns.update({s: {'model': node.name, 'columns': node.columns.keys() | list}}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set sql_words = ['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'like', 'ilike',
        'between', 'case', 'when', 'then', 'else', 'end', 'distinct', 'cast', 'as', 'varchar',
        'integer', 'bigint', 'double', 'date', 'boolean', 'interval', 'month', 'year', 'day'] -%}
    {%- set codes = {} -%}
    {%- for m in rows -%}{%- do codes.update({m.measure_code: m.row}) -%}{%- endfor -%}
    {%- set seen = {} -%}
    {%- set first_row = {} -%}
    {%- set errors = [] -%}
    {%- for m in rows -%}
        {%- set where = "seeds/measures.csv row " ~ m.row ~ " (measure '" ~ m.measure_code ~ "'), column " -%}
        {%- if not modules.re.match('^[a-z][a-z0-9_]*$', m.measure_code) -%}
            {%- do errors.append(where ~ "'measure_code': '" ~ m.measure_code ~ "' is not a code (lower case letters, digits and _)") -%}
        {%- elif (m.measure_code ~ '|' ~ m.get('valid_from', '')) in seen -%}
            {%- do errors.append(where ~ "'measure_code': duplicate code, also on row " ~ seen[m.measure_code ~ '|' ~ m.get('valid_from', '')]
                ~ (" (two definitions of a measure need different valid_from dates)" if m.get('valid_from') or first_row.get(m.measure_code) else "")) -%}
        {%- elif m.measure_code in first_row -%}
            {#- a later definition of a measure: only its rules, their words and the description may change -#}
            {%- set first = first_row[m.measure_code] -%}
            {%- for col in ['measure_name', 'domain', 'display_order', 'unit', 'period_type', 'method', 'source', 'rate_denominator', 'rate_per', 'higher_is_better'] -%}
                {%- if m[col] != first[col] -%}
                    {%- do errors.append(where ~ "'" ~ col ~ "': '" ~ m[col] ~ "' differs from the measure's row " ~ first.row ~ " ('" ~ first[col] ~ "'): a new definition (valid_from) may change only the rules, their definitions and the description") -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- do seen.update({m.measure_code ~ '|' ~ m.get('valid_from', ''): m.row}) -%}
        {%- if m.measure_code not in first_row -%}{%- do first_row.update({m.measure_code: m}) -%}{%- endif -%}
        {%- set valid_from = m.get('valid_from', '') -%}
        {%- if valid_from -%}
            {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])-01$', valid_from) -%}
                {%- do errors.append(where ~ "'valid_from': '" ~ valid_from ~ "' is not the first day of a month (YYYY-MM-01)") -%}
            {%- elif m.method in ['ytd_proportion', 'distinct_ytd', 'ytd_change'] and valid_from[5:7] != '04' -%}
                {%- do errors.append(where ~ "'valid_from': '" ~ valid_from ~ "': a year-to-date measure (" ~ m.method ~ ") changes definition on 1 April (YYYY-04-01), so that no year mixes two definitions") -%}
            {%- elif m.method == 'sum' -%}
                {%- do errors.append(where ~ "'valid_from': a sum measure has one definition (its numerator_rule is an expression, not a condition)") -%}
            {%- endif -%}
        {%- endif -%}
        {%- for col in ['measure_name', 'domain', 'unit'] -%}
            {%- if not m[col] -%}{%- do errors.append(where ~ "'" ~ col ~ "': required, is blank") -%}{%- endif -%}
        {%- endfor -%}
        {%- if not modules.re.match('^[0-9]+$', m.display_order) -%}
            {%- do errors.append(where ~ "'display_order': '" ~ m.display_order ~ "' is not a whole number") -%}
        {%- endif -%}
        {%- if m.period_type not in period_types -%}
            {%- do errors.append(where ~ "'period_type': unknown period type '" ~ m.period_type ~ "' (known: " ~ period_types | join(', ') ~ ")") -%}
        {%- endif -%}
        {%- set method = methods.get(m.method) -%}
        {%- if method is none -%}
            {%- do errors.append(where ~ "'method': unknown method '" ~ m.method ~ "' (known: " ~ methods.keys() | list | join(', ') ~ ")") -%}
        {%- endif -%}
        {%- if not m.sources -%}
            {%- do errors.append(where ~ "'source': required, is blank") -%}
        {%- elif '|' in m.source and '+' in m.source -%}
            {%- do errors.append(where ~ "'source': use either '|' (the first with data) or '+' (all of them), not both") -%}
        {%- endif -%}
        {%- for s in m.sources -%}
            {%- if s not in known_sources -%}
                {%- do errors.append(where ~ "'source': unknown source '" ~ s ~ "' (known: " ~ known_sources | join(', ') ~ ")") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if method is not none -%}
            {%- if m.method != 'partner_return' and not m.numerator_rule -%}
                {%- do errors.append(where ~ "'numerator_rule': required for method '" ~ m.method ~ "', is blank") -%}
            {%- endif -%}
            {%- if m.method in measure_methods_with_denominator() and not m.denominator_rule -%}
                {%- do errors.append(where ~ "'denominator_rule': required for method '" ~ m.method ~ "' (" ~ ("a proportion's denominator" if m.method == 'ytd_proportion' else "the comparison") ~ "), is blank") -%}
            {%- elif m.method not in measure_methods_with_denominator() and m.denominator_rule -%}
                {%- do errors.append(where ~ "'denominator_rule': only " ~ measure_methods_with_denominator() | join(', ') ~ " have one") -%}
            {%- endif -%}
            {%- if not method.events and m.method != 'partner_return' -%}
                {%- for code in modules.re.split('[|+]', m.numerator_rule) if code | trim -%}
                    {%- if (code | trim) not in codes -%}
                        {%- do errors.append(where ~ "'numerator_rule': '" ~ (code | trim) ~ "' is not a measure code of the catalogue") -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- elif method.events and m.sources and m.sources[0] in event_columns -%}
                {%- set events = event_columns[m.sources[0]] -%}
                {%- for col in ['numerator_rule', 'denominator_rule'] if m[col] -%}
                    {%- set text = modules.re.sub("'([^']|'')*'", "''", m[col]) -%}
                    {%- for word in modules.re.findall('[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]*\\s*\\()', text) -%}
                        {%- if (word | lower) not in sql_words and word not in events.columns -%}
                            {%- do errors.append(where ~ "'" ~ col ~ "': unknown column '" ~ word ~ "' (columns of " ~ events.model ~ ": " ~ events.columns | join(', ') ~ ")") -%}
                        {%- endif -%}
                    {%- endfor -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endif -%}
        {%- set has_den, has_per = m.rate_denominator != '', m.rate_per != '' -%}
        {%- if has_den and m.rate_denominator not in rate_denominators -%}
            {%- do errors.append(where ~ "'rate_denominator': unknown denominator '" ~ m.rate_denominator ~ "' (known: " ~ rate_denominators.keys() | list | join(', ') ~ ")") -%}
        {%- endif -%}
        {%- if has_per and not modules.re.match('^[1-9][0-9]*$', m.rate_per) -%}
            {%- do errors.append(where ~ "'rate_per': '" ~ m.rate_per ~ "' is not a positive whole number") -%}
        {%- endif -%}
        {%- if has_per and not has_den -%}
            {%- do errors.append(where ~ "'rate_denominator': a rate per " ~ m.rate_per ~ " needs a denominator (population or households)") -%}
        {%- elif has_den and not has_per -%}
            {%- do errors.append(where ~ "'rate_per': a rate of " ~ m.rate_denominator ~ " needs a multiplier (e.g. 1000)") -%}
        {%- endif -%}
        {%- if m.higher_is_better not in ['true', 'false', ''] -%}
            {%- do errors.append(where ~ "'higher_is_better': '" ~ m.higher_is_better ~ "' (true, false or blank)") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("the measure catalogue has " ~ errors | length ~ " error(s); nothing was built:\n  " ~ errors | join('\n  ')) }}
    {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
