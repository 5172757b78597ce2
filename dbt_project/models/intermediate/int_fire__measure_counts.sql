-- depends_on: {{ ref('measures') }}
-- How many events each fire measure of the catalogue counts, per source, month and CSP
-- (groups with no counted event are left out). The SQL of each measure is generated from its
-- catalogue row.
{{ measure_event_counts(
    ref('int_fire__events'),
    measures_counted_from(['fire_incidents']),
    ['csp_code']
) }}
