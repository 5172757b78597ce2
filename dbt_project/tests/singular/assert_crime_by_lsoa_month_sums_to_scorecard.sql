{{ config(meta={'dagster': {'ref': {'name': 'crime_by_lsoa_month'}}}) }}
-- depends_on: {{ ref('measures') }}
-- For every CSP, month and crime measure, the counts of crime_by_lsoa_month summed over
-- the CSP's LSOAs equal the scorecard's CSP count where it counted something (the LSOA mart
-- has rows only where something was counted); a CSP month with counts in one model and not
-- in the other fails too. Returns the mismatches.
-- An asset check of crime_by_lsoa_month in Dagster (meta dagster.ref), so a failure stops
-- the publish. Checks the months the LSOA mart's last run recomputed, as its generic tests
-- do (macros/incremental_months.sql): every month after a full build or a code change.
{%- set months = incremental_months_tested(ref('crime_by_lsoa_month')) or 'true' %}
with

lsoa_sums as (

    select csp_code, period_month, measure_code, sum("count") as lsoa_total
    from {{ ref('crime_by_lsoa_month') }}
    where {{ months }}
    group by all

),

scorecard_csp as (

    select area_code as csp_code, period_month, measure_code, "count" as csp_count
    from {{ ref('scorecard') }}
    where area_type = 'csp'
      and "count" > 0
      and {{ months }}
      -- the crime measures (the scorecard holds other domains too)
      and measure_code in (
          {%- for m in measures_counted_from(['police_crime', 'police_street']) %}
          '{{ m.measure_code }}'{{ ',' if not loop.last }}
          {%- endfor %}
      )

)

select
    coalesce(lsoa_sums.csp_code, scorecard_csp.csp_code) as csp_code,
    coalesce(lsoa_sums.period_month, scorecard_csp.period_month) as period_month,
    coalesce(lsoa_sums.measure_code, scorecard_csp.measure_code) as measure_code,
    lsoa_sums.lsoa_total,
    scorecard_csp.csp_count
from lsoa_sums
full outer join scorecard_csp
    on scorecard_csp.csp_code = lsoa_sums.csp_code
   and scorecard_csp.period_month = lsoa_sums.period_month
   and scorecard_csp.measure_code = lsoa_sums.measure_code
where lsoa_sums.lsoa_total is distinct from scorecard_csp.csp_count
