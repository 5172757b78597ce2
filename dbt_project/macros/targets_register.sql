{#- The targets register (seeds/targets.csv): what each partnership has promised, one row per
    measure × area × financial year, that analysts edit. Columns (all text in the file):
      measure_code     a code of the measure catalogue
      area_type        csp | force
      area_code        the CSP's or force's ONS code (seeds/areas.csv)
      financial_year   YYYY/YY, the year the target is for
      target_type      one of targets_register_types() below
      target_value     the X or N of the type (X in %, e.g. 10 for "reduce by 10%"); blank for
                       better_than_last_year
      baseline_method  previous_fy | mean_3fy | blank: how the baseline is computed from the
                       data (the outturn of baseline_fy, or the mean of the outturns of
                       baseline_fy and the two FYs before it)
      baseline_fy      YYYY/YY, the last FY of the baseline; blank = the FY before
                       financial_year (a three-year plan keeps its first year's baseline)
      baseline_value   a typed baseline: overrides the one computed from the data, and the
                       scorecard marks it (baseline_source 'register')
      tolerance        how far from the target is Amber rather than Red: for a count, % of the
                       target (blank = 5); for a % measure, percentage points (blank = 2)
      note             free text (the plan's wording, who agreed it)
    Every row is checked before anything is built (on-run-start): a bad one stops the build,
    before anything is published, with its row, column and reason. -#}


{% macro targets_register_types() %}
    {#- figure: the measures a type fits ('count': a count, £ or level; 'percent': a % measure;
        'any'); value: target_value required (true) or must be blank (false); baseline: a
        baseline (method or typed value) is required; better: which way is on course
        ('lower', 'higher', or 'measure': the catalogue's higher_is_better). -#}
    {{ return({
        'reduce_by_pct': {'figure': 'count', 'value': true, 'baseline': true, 'better': 'lower',
            'words': 'reduce by X% against the baseline: Green when the projected outturn is at most baseline × (1 − X/100)'},
        'increase_by_pct': {'figure': 'count', 'value': true, 'baseline': true, 'better': 'higher',
            'words': 'increase by X% against the baseline: Green when the projected outturn is at least baseline × (1 + X/100)'},
        'at_least': {'figure': 'count', 'value': true, 'baseline': false, 'better': 'higher',
            'words': 'at least N: Green when the projected outturn is at least N'},
        'at_or_above': {'figure': 'percent', 'value': true, 'baseline': false, 'better': 'higher',
            'words': 'keep at or above X%: Green when the year-to-date rate is at least X'},
        'below': {'figure': 'percent', 'value': true, 'baseline': false, 'better': 'lower',
            'words': 'keep below X%: Green when the year-to-date rate is below X'},
        'better_than_last_year': {'figure': 'any', 'value': false, 'baseline': false, 'better': 'measure',
            'words': "better than last year: Green when the year-to-date figure is better than last FY's at the same month"},
    }) }}
{% endmacro %}


{% macro targets_register_baseline_methods() %}
    {{ return(['previous_fy', 'mean_3fy']) }}
{% endmacro %}


{% macro targets_register_default_tolerance(is_percent) -%}
    {#- measures.md: 5% of the target value for counts, 2 percentage points for rates. -#}
    {{ return(2 if is_percent else 5) }}
{%- endmacro %}


{% macro seed_file_path(name) %}
    {#- The file of seed `name` (for the checks that run before seeds are loaded); none if the
        project has no such seed. -#}
    {%- set node = graph.nodes.get('seed.' ~ project_name ~ '.' ~ name) -%}
    {{ return(none if node is none else node.root_path ~ '/' ~ node.original_file_path) }}
{% endmacro %}


{% macro validate_targets_register() %}
    {%- if execute -%}
    {%- set path = seed_file_path('targets') -%}
    {%- if path is not none -%}
    {%- set rows = measure_catalogue_rows(
        "select (row_number() over () + 1)::integer as \"row\", * from read_csv('"
        ~ path ~ "', header = true, all_varchar = true)") -%}
    {#- the catalogue, as its own check reads it -#}
    {%- set measures = {} -%}
    {%- for m in measure_catalogue_rows(
        "select (row_number() over () + 1)::integer as \"row\", * from read_csv('"
        ~ measure_catalogue_path() ~ "', header = true, all_varchar = true)") -%}
        {%- if m.measure_code not in measures -%}{%- do measures.update({m.measure_code: m}) -%}{%- endif -%}
    {%- endfor -%}
    {#- the areas a target may name: CSPs and forces of the areas seed -#}
    {%- set areas = {'csp': [], 'force': []} -%}
    {%- set areas_path = seed_file_path('areas') -%}
    {%- if areas_path is not none -%}
        {%- set found = run_query("select distinct 'csp' as area_type, csp_code as area_code from read_csv('" ~ areas_path ~ "', header = true, all_varchar = true) where csp_code is not null union select distinct 'force', force_code from read_csv('" ~ areas_path ~ "', header = true, all_varchar = true) where force_code is not null") -%}
        {%- for r in found.rows -%}{%- do areas[r['area_type']].append(r['area_code']) -%}{%- endfor -%}
    {%- endif -%}
    {%- set types = targets_register_types() -%}
    {%- set number = '^-?[0-9]+(\\.[0-9]+)?$' -%}
    {%- set seen = {} -%}
    {%- set errors = [] -%}
    {%- for t in rows -%}
        {%- set where = "seeds/targets.csv row " ~ t.row ~ " (measure '" ~ t.measure_code ~ "', " ~ t.area_code ~ ", " ~ t.financial_year ~ "), column " -%}
        {%- set m = measures.get(t.measure_code) -%}
        {%- set type = types.get(t.target_type) -%}
        {%- if m is none -%}
            {%- do errors.append(where ~ "'measure_code': unknown measure '" ~ t.measure_code ~ "' (not in seeds/measures.csv)") -%}
        {%- endif -%}
        {%- if t.area_type not in areas -%}
            {%- do errors.append(where ~ "'area_type': unknown area type '" ~ t.area_type ~ "' (csp or force)") -%}
        {%- elif t.area_code not in areas[t.area_type] -%}
            {%- do errors.append(where ~ "'area_code': unknown " ~ t.area_type ~ " '" ~ t.area_code ~ "' (not in seeds/areas.csv)") -%}
        {%- endif -%}
        {%- for col in ['financial_year', 'baseline_fy'] if t[col] or col == 'financial_year' -%}
            {%- set fy = modules.re.match('^([0-9]{4})/([0-9]{2})$', t[col]) -%}
            {%- if not fy or (fy.group(1) | int + 1) % 100 != fy.group(2) | int -%}
                {%- do errors.append(where ~ "'" ~ col ~ "': '" ~ t[col] ~ "' is not a financial year (YYYY/YY, e.g. 2015/16)") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if t.baseline_fy and t.financial_year and t.baseline_fy >= t.financial_year -%}
            {%- do errors.append(where ~ "'baseline_fy': " ~ t.baseline_fy ~ " is not before the target's year " ~ t.financial_year) -%}
        {%- endif -%}
        {%- if type is none -%}
            {%- do errors.append(where ~ "'target_type': unknown target type '" ~ t.target_type ~ "' (known: " ~ types.keys() | list | join(', ') ~ ")") -%}
        {%- else -%}
            {%- if type.value and not t.target_value -%}
                {%- do errors.append(where ~ "'target_value': required for " ~ t.target_type ~ ", is blank") -%}
            {%- elif not type.value and t.target_value -%}
                {%- do errors.append(where ~ "'target_value': " ~ t.target_type ~ " has no value (leave it blank)") -%}
            {%- endif -%}
            {%- if type.baseline and not t.baseline_method and not t.baseline_value -%}
                {%- do errors.append(where ~ "'baseline_method': " ~ t.target_type ~ " needs a baseline: a baseline_method (" ~ targets_register_baseline_methods() | join(', ') ~ ") or a typed baseline_value") -%}
            {%- endif -%}
            {%- if m is not none -%}
                {%- set is_percent = m.unit == '%' -%}
                {%- if type.figure == 'count' and is_percent -%}
                    {%- do errors.append(where ~ "'target_type': " ~ t.target_type ~ " is for a count; '" ~ t.measure_code ~ "' is a % measure (use at_or_above, below or better_than_last_year)") -%}
                {%- elif type.figure == 'percent' and not is_percent -%}
                    {%- do errors.append(where ~ "'target_type': " ~ t.target_type ~ " is for a % measure; '" ~ t.measure_code ~ "' is in " ~ m.unit ~ " (use reduce_by_pct, increase_by_pct, at_least or better_than_last_year)") -%}
                {%- endif -%}
                {%- if type.better == 'measure' and m.higher_is_better == '' -%}
                    {%- do errors.append(where ~ "'target_type': '" ~ t.measure_code ~ "' has no better direction (higher_is_better is blank in seeds/measures.csv), so nothing is better than last year") -%}
                {%- elif type.better in ['lower', 'higher'] and m.higher_is_better != '' and (type.better == 'higher') != (m.higher_is_better == 'true') -%}
                    {%- do errors.append(where ~ "'target_type': " ~ t.target_type ~ " on '" ~ t.measure_code ~ "', where " ~ ("higher" if m.higher_is_better == 'true' else "lower") ~ " is better, would call the worse way on course") -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
        {%- if t.baseline_method and t.baseline_method not in targets_register_baseline_methods() -%}
            {%- do errors.append(where ~ "'baseline_method': unknown method '" ~ t.baseline_method ~ "' (known: " ~ targets_register_baseline_methods() | join(', ') ~ ")") -%}
        {%- endif -%}
        {%- if t.baseline_fy and not t.baseline_method -%}
            {%- do errors.append(where ~ "'baseline_fy': a baseline year needs a baseline_method") -%}
        {%- endif -%}
        {%- for col in ['target_value', 'baseline_value', 'tolerance'] if t[col] -%}
            {%- if not modules.re.match(number, t[col]) -%}
                {%- do errors.append(where ~ "'" ~ col ~ "': '" ~ t[col] ~ "' is not a number") -%}
            {%- elif t[col] | float < 0 -%}
                {%- do errors.append(where ~ "'" ~ col ~ "': " ~ t[col] ~ " is below zero") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set key = t.measure_code ~ '|' ~ t.area_type ~ '|' ~ t.area_code ~ '|' ~ t.financial_year -%}
        {%- if key in seen -%}
            {%- do errors.append(where ~ "'measure_code': a second target for the same measure, area and year (also row " ~ seen[key] ~ ")") -%}
        {%- endif -%}
        {%- do seen.update({key: t.row}) -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("the targets register has " ~ errors | length ~ " error(s); nothing was built:\n  " ~ errors | join('\n  ')) }}
    {%- endif -%}
    {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
