-- depends_on: {{ ref('measures') }}
-- How many events each treatment measure of the catalogue counts, per source, month and CSP
-- (groups with no counted event are left out). The SQL of each measure is generated from its
-- catalogue row (the definition in force for each month).
{{ measure_event_counts(
    ref('int_treatment__events'),
    measures_counted_from(['treatment_episodes']),
    ['csp_code']
) }}
