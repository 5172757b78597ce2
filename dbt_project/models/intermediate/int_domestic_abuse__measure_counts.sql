-- depends_on: {{ ref('measures') }}
-- How many events each domestic abuse measure of the catalogue counts (and, for a proportion,
-- how many its denominator counts), per source, month and CSP (groups with no counted event
-- are left out). The SQL of each measure is generated from its catalogue row.
{{ measure_event_counts(
    ref('int_domestic_abuse__events'),
    measures_counted_from(['dv_incidents', 'marac_cases']),
    ['csp_code']
) }}
