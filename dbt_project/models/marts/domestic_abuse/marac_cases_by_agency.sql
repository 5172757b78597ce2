-- Cases heard at MARAC per CSP, month and referring agency (published: aggregates only, no
-- person). A CSP-month with a file but no case of an agency has no row for it; a month with
-- no file is not here at all (the scorecard's marac_cases says "no data").
select
    'csp' as area_type,
    cases.csp_code as area_code,
    areas.area_name,
    cases.period_month,
    {{ financial_year('cases.period_month') }} as financial_year,
    cases.referring_agency,
    count(*) as cases,
    count(*) filter (where cases.is_repeat) as repeat_cases
from {{ ref('fct_marac_case') }} as cases
left join {{ ref('dim_area') }} as areas
    on areas.area_code = cases.csp_code
   and areas.area_type = 'csp'
group by all
