-- depends_on: {{ ref('measures') }}
-- Monthly counts of the domestic abuse measures (sources dv_incidents, marac_cases): one row
-- per measure × CSP × month (csp_domain_monthly: NULL = no file of the measure's source for
-- the CSP and month, 0 = a file with nothing counted).
{{ csp_domain_monthly(
    ref('int_domestic_abuse__events'),
    ref('int_domestic_abuse__measure_counts'),
    ['dv_incidents', 'marac_cases']
) }}
