{{ config(severity='warn') }}
-- Warns (never blocks the publish) while any loaded event cannot be placed in full, other than
-- the rows data.police.uk publishes with no location: an LSOA seeds/areas.csv does not hold
-- (counted in its force, in no CSP) or a month outside the history (counted nowhere). One
-- line per source, reason and force, from unplaced_events.
select
    source,
    reason,
    counted_in,
    force_code,
    sum(events) as events,
    count(distinct period_month) as months,
    min(period_month) as first_month,
    max(period_month) as last_month,
    min(example_lsoa_code) as example_lsoa_code,
    max(last_file) as example_file
from {{ ref('unplaced_events') }}
where reason != 'no_lsoa'
group by all
