-- depends_on: {{ ref('measures') }}
-- How many events each IOM measure of the catalogue counts, per source, quarter and CSP
-- (groups with no counted event are left out). The SQL of each measure is generated from its
-- catalogue row.
{{ measure_event_counts(
    ref('int_iom__events'),
    measures_counted_from(['iom_cohort', 'iom_convictions']),
    ['csp_code']
) }}
