-- depends_on: {{ ref('measures') }}
-- Monthly counts of the court orders measures (source court_orders): one row per measure × CSP × month
-- (csp_domain_monthly: NULL = no snapshot covers the CSP and month, 0 = one does and nothing
-- is counted). The months a CSP's snapshots cover: int_snapshot__coverage.
{{ csp_domain_monthly(
    ref('int_court_orders__events'),
    ref('int_court_orders__measure_counts'),
    ['court_orders'],
    coverage=ref('int_snapshot__coverage')
) }}
