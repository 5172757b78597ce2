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
group by measure_code, area_type, area_code, period_month
