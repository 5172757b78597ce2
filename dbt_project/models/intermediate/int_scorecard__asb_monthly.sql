-- depends_on: {{ ref('measures') }}
-- Monthly counts of the council ASB measures (source asb_council): one row per measure × CSP
-- × month (csp_domain_monthly: NULL = no council file for the CSP and month, 0 = a file with
-- nothing counted). ASB reported to the police is counted with crime; the two together
-- (a sum_of measure) are summed in int_scorecard__monthly.
{{ csp_domain_monthly(
    ref('int_asb__events'),
    ref('int_asb__measure_counts'),
    ['asb_council']
) }}
