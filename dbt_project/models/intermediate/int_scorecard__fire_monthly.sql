-- depends_on: {{ ref('measures') }}
-- Monthly counts of the fire measures (source fire_incidents): one row per measure × CSP ×
-- month (csp_domain_monthly: NULL = no fire file for the CSP and month, 0 = a file with
-- nothing counted).
{{ csp_domain_monthly(
    ref('int_fire__events'),
    ref('int_fire__measure_counts'),
    ['fire_incidents']
) }}
