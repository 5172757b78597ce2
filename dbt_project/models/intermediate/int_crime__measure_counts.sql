-- depends_on: {{ ref('measures') }}
-- How many events each crime measure of the catalogue counts, per source, month, force, CSP
-- and LSOA (groups with no counted event are left out). The SQL of each measure is generated
-- from its catalogue row (numerator_rule, source): the one definition that the scorecard's
-- CSP and force counts and crime_by_lsoa_month's LSOA counts all add up from.
{{ measure_event_counts(
    ref('int_crime__events'),
    measures_counted_from(['police_crime', 'police_street']),
    ['force_code', 'csp_code', 'lsoa_code']
) }}
