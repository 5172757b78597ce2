-- depends_on: {{ ref('measures') }}
-- Monthly counts of the treatment measures (source treatment_episodes): one row per measure × CSP × month
-- (csp_domain_monthly: NULL = no snapshot covers the CSP and month, 0 = one does and nothing
-- is counted). The months a CSP's snapshots cover: int_snapshot__coverage.
{{ csp_domain_monthly(
    ref('int_treatment__events'),
    ref('int_treatment__measure_counts'),
    ['treatment_episodes'],
    coverage=ref('int_snapshot__coverage')
) }}
