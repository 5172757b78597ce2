-- depends_on: {{ ref('measures') }}
-- How many events each council ASB measure of the catalogue counts, per source, month and CSP
-- (groups with no counted event are left out). The SQL of each measure is generated from its
-- catalogue row.
{{ measure_event_counts(
    ref('int_asb__events'),
    measures_counted_from(['asb_council']),
    ['csp_code']
) }}
