-- ASB reports made to the council per CSP, month, category and channel (published:
-- aggregates only, no person). A CSP-month with a file but no report of a category and
-- channel has no row for it; a month with no file is not here at all (the scorecard's
-- asb_council says "no data").
select
    'csp' as area_type,
    reports.csp_code as area_code,
    areas.area_name,
    reports.period_month,
    {{ financial_year('reports.period_month') }} as financial_year,
    reports.category,
    reports.channel,
    count(*) as reports,
    count(*) filter (where reports.satisfaction is not null) as surveyed,
    count(*) filter (where reports.satisfaction = 'satisfied') as satisfied
from {{ ref('fct_asb_report') }} as reports
left join {{ ref('dim_area') }} as areas
    on areas.area_code = reports.csp_code
   and areas.area_type = 'csp'
group by all
