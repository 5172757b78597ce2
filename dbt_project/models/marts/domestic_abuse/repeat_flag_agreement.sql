-- Data quality beyond the seeds: per source (dv_incidents, marac_cases), CSP and month, how
-- far the partner's repeat flag (the official figure) and the repeat the warehouse derives
-- from the pseudonymised victim disagree. The derived repeat sees only the files loaded, so
-- history_months says how many of the 12 months before the month the CSP has files for:
-- with fewer than 12, a flagged repeat the warehouse cannot see is expected.
with

events as (

    select * from {{ ref('int_domestic_abuse__events') }}

),

months as (

    select distinct source, csp_code, period_month from events

),

history as (

    select
        months.source,
        months.csp_code,
        months.period_month,
        count(earlier.period_month) as history_months
    from months
    left join months as earlier
        on earlier.source = months.source
       and earlier.csp_code = months.csp_code
       and earlier.period_month >= months.period_month - interval 12 month
       and earlier.period_month < months.period_month
    group by all

),

compared as (

    select
        source,
        csp_code,
        period_month,
        count(*) as events,
        count(*) filter (where is_repeat) as flagged_repeats,
        count(*) filter (where is_repeat_derived) as derived_repeats,
        count(*) filter (where is_repeat and is_repeat_derived) as both_repeats,
        count(*) filter (where is_repeat and not is_repeat_derived) as flagged_only,
        count(*) filter (where is_repeat_derived and not is_repeat) as derived_only
    from events
    group by all

)

select
    compared.source,
    'csp' as area_type,
    compared.csp_code as area_code,
    areas.area_name,
    compared.period_month,
    {{ financial_year('compared.period_month') }} as financial_year,
    compared.events,
    compared.flagged_repeats,
    compared.derived_repeats,
    compared.both_repeats,
    compared.flagged_only,
    compared.derived_only,
    compared.flagged_only + compared.derived_only as disagreements,
    {{ rate_per('compared.flagged_only + compared.derived_only', 'compared.events', 100) }}
        as disagreement_pct,
    history.history_months,
    history.history_months = 12 as has_full_history
from compared
inner join history
    on history.source = compared.source
   and history.csp_code = compared.csp_code
   and history.period_month = compared.period_month
left join {{ ref('dim_area') }} as areas
    on areas.area_code = compared.csp_code
   and areas.area_type = 'csp'
