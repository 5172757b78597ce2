-- depends_on: {{ ref('measures') }}
-- Which figures partners owe on their indicator returns: one row per CSP × indicator × period
-- the CSP is expected to return, each indicator from the first period the CSP returned it to
-- the last period of the latest FY quarter ended by the status day (status_as_of: $CSP_AS_OF,
-- else today), with the day it is due (its quarter's end + the lag of the indicator_returns
-- contract: the whole quarter's return, monthly figures too, is due then) and its status on
-- the status day: received, overdue (not received after its due day) or not yet due. A late
-- return is overdue until it arrives.
{%- set returned = [] %}
{%- for m in measure_catalogue() if m.method == 'partner_return' %}{% do returned.append(m) %}{% endfor %}
with

measures as (

    {%- if returned %}
    select * from (values
        {%- for m in returned %}
        ('{{ m.measure_code }}', '{{ m.measure_name | replace("'", "''") }}', '{{ m.period_type }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t (measure_code, measure_name, period_type)
    {%- else %}
    select null::varchar as measure_code, null::varchar as measure_name,
        null::varchar as period_type
    where false
    {%- endif %}

),

schedule as (

    select lag_days from ({{ source_schedules() }}) as s where source = 'indicator_returns'

),

as_of as (

    select
        {{ status_as_of() }}::date as as_of,
        -- the last month of the latest FY quarter that has ended by the status day
        (date_trunc('quarter', {{ status_as_of() }}) - interval 1 month)::date as last_expected

),

returns as (

    select * from {{ ref('stg_partner__indicator_returns') }}

),

-- each indicator a CSP has returned is expected of it from the first period it returned
first_returned as (

    select returns.csp_code, returns.measure_code, measures.period_type,
        min(returns.period_month) as first_month, max(returns.period_month) as last_month
    from returns
    inner join measures
        on measures.measure_code = returns.measure_code
    group by all

),

expected as (

    select
        first_returned.csp_code,
        first_returned.measure_code,
        first_returned.period_type,
        unnest(generate_series(
            first_returned.first_month,
            greatest(first_returned.last_month, as_of.last_expected),
            case first_returned.period_type
                when 'month' then interval 1 month
                when 'quarter' then interval 3 month
                else interval 12 month
            end
        ))::date as period_month
    from first_returned
    cross join as_of

),

judged as (

    select
        expected.*,
        as_of.as_of,
        (date_trunc('quarter', expected.period_month) + interval 3 month - interval 1 day
            + to_days(schedule.lag_days))::date as due_date,
        returns.return_key is not null as is_received,
        returns.period_label,
        returns.loaded_at,
        returns.source_file,
        returns.submitted_by
    from expected
    cross join as_of
    cross join schedule
    left join returns
        on returns.csp_code = expected.csp_code
       and returns.measure_code = expected.measure_code
       and returns.period_month = expected.period_month

),

final as (

    select
        judged.csp_code::varchar as area_code,
        areas.area_name::varchar as area_name,
        judged.measure_code::varchar as measure_code,
        measures.measure_name::varchar as measure_name,
        judged.period_type::varchar as period_type,
        (case judged.period_type
            when 'month' then strftime(judged.period_month, '%Y-%m')
            when 'quarter' then {{ financial_year('judged.period_month') }} || ' Q'
                || ((({{ fy_month_number('judged.period_month') }}) - 1) // 3 + 1)::varchar
            else {{ financial_year('judged.period_month') }}
        end)::varchar as period_label,
        judged.period_month::date as period_month,
        judged.due_date::date as due_date,
        judged.as_of::date as as_of,
        (case
            when judged.is_received then 'received'
            when judged.as_of > judged.due_date then 'overdue'
            else 'not yet due'
        end)::varchar as status,
        (not judged.is_received and judged.as_of > judged.due_date)::boolean as is_overdue,
        (case
            when not judged.is_received and judged.as_of > judged.due_date
                then datediff('day', judged.due_date, judged.as_of)
            else 0
        end)::integer as days_overdue,
        judged.loaded_at::timestamp as received_at,
        coalesce(judged.loaded_at::date > judged.due_date, false)::boolean as loaded_after_due,
        judged.source_file::varchar as source_file,
        judged.submitted_by::varchar as submitted_by
    from judged
    inner join measures
        on measures.measure_code = judged.measure_code
    left join {{ ref('dim_area') }} as areas
        on areas.area_code = judged.csp_code
       and areas.area_type = 'csp'

)

select * from final
