{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    on_schema_change='fail',
    post_hook="{{ record_incremental_state() }}",
) }}
-- Incremental by month (macros/incremental_months.sql): a month's rows are the month's events.
-- Which crime source has data for each force and month, and when it was last loaded: one row
-- per (source, force, month) with data. A (source, force, month) absent here is "no data".
-- A month outside the history (macro in_history) is no month of it: its events are counted
-- nowhere and reported in unplaced_events.
select
    source,
    force_code,
    period_month,
    count(*) as events,
    max(loaded_at) as loaded_at,
    -- the file loaded last for the force and month: the one that made its figures
    arg_max(source_file, loaded_at) as source_file
from {{ ref('int_crime__events') }}
where force_code is not null
  and {{ in_history('period_month') }}
  and {{ incremental_months_where('period_month') }}
group by all
