-- depends_on: {{ ref('measures') }}
-- The quarterly figures of the IOM measures (sources iom_cohort, iom_convictions): one row per
-- measure × CSP × quarter (period_month = the quarter's last month) from the CSP's first
-- quarter with a cohort snapshot to the latest quarter any CSP's snapshot covers.
-- * iom_cohort has data for the quarters its newest snapshot of the year covers;
-- * iom_convictions for a quarter when the CSP's conviction files run from the quarter's first
--   month or earlier to its last month or later (a month between with no conviction is 0);
-- * a measure of both ('iom_cohort+iom_convictions') where both have, and a change's
--   comparison (the same quarter last FY) only where the convictions reach back to it: else
--   its denominator, and so the change, is no data, never a fall from 0.
with

quarters as (

    {{ snapshot_quarters(ref('stg_iom__cohort')) }}

),

conviction_span as (

    select
        csp_code,
        min(conviction_month) as first_month,
        max(conviction_month) as last_month
    from {{ ref('stg_iom__convictions') }}
    group by csp_code

),

conviction_quarters as (

    select
        quarters.csp_code,
        quarters.period_month,
        conviction_span.first_month <= quarters.period_month - interval 14 month
            as has_last_fy
    from quarters
    inner join conviction_span
        on conviction_span.csp_code = quarters.csp_code
       and conviction_span.first_month <= quarters.period_month - interval 2 month
       and conviction_span.last_month >= quarters.period_month

),

coverage as (

    select 'iom_cohort' as source, csp_code as coverage_key, period_month, loaded_at,
        source_file
    from quarters

    union all

    select 'iom_convictions' as source, c.csp_code as coverage_key, c.period_month,
        max(e.loaded_at) as loaded_at, arg_max(e.source_file, e.loaded_at) as source_file
    from conviction_quarters as c
    left join {{ ref('int_iom__events') }} as e
        on e.source = 'iom_convictions'
       and e.csp_code = c.csp_code
       and e.period_month = c.period_month
       and not e.is_last_fy
    group by all

),

latest as (

    select max(period_month) as period_month from quarters

),

area_months as (

    select
        'csp' as area_type,
        quarters.csp_code as area_code,
        quarters.csp_code as coverage_key,
        unnest(generate_series(min(quarters.period_month), any_value(latest.period_month),
            interval 3 month))::date as period_month
    from quarters
    cross join latest
    group by quarters.csp_code

),

counts as (

    select measure_code, source, 'csp' as area_type, csp_code as area_code, period_month,
        event_count as n, denominator_count as d
    from {{ ref('int_iom__measure_counts') }}

),

quarterly as (

    {{ measure_monthly(measures_counted_from(['iom_cohort', 'iom_convictions']), 'coverage', 'area_months', 'counts') }}

)

{%- set changes = [] %}
{%- for m in measures_counted_from(['iom_cohort', 'iom_convictions']) if m.method in ['change', 'ytd_change'] %}
{%- do changes.append("'" ~ m.measure_code ~ "'") %}
{%- endfor %}

select
    quarterly.* exclude (coverage_key, denominator_count),
    case
        {%- if changes %}
        when quarterly.measure_code in ({{ changes | join(', ') }})
            then case when conviction_quarters.has_last_fy then quarterly.denominator_count end
        {%- endif %}
        else quarterly.denominator_count
    end as denominator_count
from quarterly
left join conviction_quarters
    on conviction_quarters.csp_code = quarterly.area_code
   and conviction_quarters.period_month = quarterly.period_month
