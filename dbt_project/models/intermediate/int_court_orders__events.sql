-- Every event the court-order measures count: from the newest snapshot of each CSP and
-- financial year, each order's commencement (in the month it commenced) and its end (in the
-- month it ended), when that falls in the year. The catalogue's rules filter order_event,
-- order_type and end_reason.
with

snapshots as (

    {{ latest_snapshots(ref('stg_probation__court_orders')) }}

),

order_events as (

    select *, 'commenced' as order_event, commenced_date as event_date
    from snapshots
    where commenced_date >= {{ fy_start('snapshot_month') }}

    union all

    select *, 'ended' as order_event, end_date as event_date
    from snapshots
    where end_date >= {{ fy_start('snapshot_month') }}

)

select
    md5(snapshot_order_key || '|' || order_event) as event_key,
    'court_orders' as source,
    order_ref as event_ref,
    order_event,
    event_date,
    {{ month_start('event_date') }} as period_month,
    csp_code,
    offender_ref as person_ref,
    order_type,
    commenced_date,
    end_date,
    end_reason,
    snapshot_month,
    source_file,
    batch_id,
    loaded_at
from order_events
