{{ config(
    materialized='incremental',
    incremental_strategy='replace_from_month',
    incremental_inputs=['stg_publish__history'],
    on_schema_change='fail',
    post_hook="{{ record_incremental_from_state() }}",
) }}
-- Incremental from the earliest changed month (macros/incremental_from_month.sql): a figure's
-- row reads the history of its own month, and a publish adds history for the months it
-- published, so a run recomputes those.
-- Per scorecard figure (measure, area, month) ever published: the count as first published
-- and when, and the count as last published and when (the publish history, in order of
-- publish).
select
    measure_code,
    area_type,
    area_code,
    period_month,
    arg_min(published_count, (published_at, publish_id)) as first_reported_count,
    min(published_at) as first_reported_at,
    arg_max(published_count, (published_at, publish_id)) as last_published_count,
    max(published_at) as last_published_at,
    count(*) as times_published
from {{ ref('stg_publish__history') }}
where {{ incremental_from_where('period_month') }}
group by measure_code, area_type, area_code, period_month
