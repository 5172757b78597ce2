-- The crime spine: one row per force and month from the force's first to its last month with
-- data in any crime source (int_crime__source_coverage), the months between included (a month
-- no source sent is "no data" on the scorecard, not a missing row). A table of its own so that
-- a month entering the spine (a gap filled in behind a later month) is a changed month for the
-- models incremental from the earliest changed month (int_scorecard__crime_monthly).
select
    force_code,
    unnest(generate_series(min(period_month), max(period_month), interval 1 month))::date
        as period_month
from {{ ref('int_crime__source_coverage') }}
group by force_code
