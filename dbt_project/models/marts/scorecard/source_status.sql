-- Whether each partner is up to date: one row per source and CSP that has ever received the
-- source (a force's crime files count for each CSP of the force), with the last period
-- received, the next period and the day it was due (its end + the contract's lag), and
-- whether it is overdue on the status day (status_as_of: $CSP_AS_OF, else today), so a
-- manager reads "no data from X since ..." instead of a silent gap.
with

received as (

    select * from {{ ref('int_sources__periods_received') }}

),

schedules as (

    {{ source_schedules() }}

),

force_csps as (

    select distinct csp_code, force_code
    from {{ ref('areas') }}
    where csp_code is not null and force_code is not null

),

by_csp as (

    select received.*, received.scope_code as csp_code
    from received
    where received.scope_type = 'csp'
    union all
    select received.*, force_csps.csp_code
    from received
    inner join force_csps
        on force_csps.force_code = received.scope_code
    where received.scope_type = 'force'

),

summarised as (

    select
        source,
        csp_code,
        any_value(scope_type) as scope_type,
        min(period_month) as first_period_received,
        max(period_month) as last_period_received,
        count(distinct period_month) as periods_received,
        max(loaded_at) as last_loaded_at,
        arg_max(source_file, period_month) as last_file
    from by_csp
    group by source, csp_code

),

judged as (

    select
        summarised.*,
        schedules.title,
        schedules.publisher,
        schedules.cadence,
        schedules.months_per_period,
        schedules.lag_days,
        {{ status_as_of() }} as as_of,
        (summarised.last_period_received
            + to_months(schedules.months_per_period))::date as next_period_due,
        -- the next period's end (a period is named by its last month: the month after the
        -- next period's month, less a day) plus the lag
        (summarised.last_period_received + to_months(schedules.months_per_period + 1)
            - interval 1 day + to_days(schedules.lag_days))::date as expected_by
    from summarised
    inner join schedules
        on schedules.source = summarised.source

),

final as (

    select
        judged.source::varchar as source,
        judged.title::varchar as source_title,
        judged.publisher::varchar as publisher,
        judged.csp_code::varchar as area_code,
        areas.area_name::varchar as area_name,
        judged.scope_type::varchar as sent_per,
        judged.cadence::varchar as cadence,
        judged.lag_days::integer as lag_days,
        judged.first_period_received::date as first_period_received,
        judged.last_period_received::date as last_period_received,
        -- months (periods) between the first and the last received that never arrived
        (datediff('month', judged.first_period_received, judged.last_period_received)
            // judged.months_per_period + 1 - judged.periods_received)::integer as periods_missing,
        judged.last_loaded_at::timestamp as last_loaded_at,
        judged.last_file::varchar as last_file,
        judged.next_period_due::date as next_period_due,
        judged.expected_by::date as expected_by,
        judged.as_of::date as as_of,
        (judged.as_of > judged.expected_by)::boolean as is_overdue,
        greatest(datediff('day', judged.expected_by, judged.as_of), 0)::integer as days_late,
        (case
            when judged.as_of > judged.expected_by
                then 'No data from ' || judged.title || ' since '
                    || strftime(judged.last_period_received, '%B %Y') || ': '
                    || strftime(judged.next_period_due, '%B %Y') || ' was due by '
                    || strftime(judged.expected_by, '%-d %B %Y') || ' ('
                    || datediff('day', judged.expected_by, judged.as_of) || ' days late)'
            else 'Up to date: ' || strftime(judged.last_period_received, '%B %Y')
                || ' received; ' || strftime(judged.next_period_due, '%B %Y')
                || ' is due by ' || strftime(judged.expected_by, '%-d %B %Y')
        end)::varchar as status
    from judged
    left join {{ ref('dim_area') }} as areas
        on areas.area_code = judged.csp_code
       and areas.area_type = 'csp'

)

select * from final
