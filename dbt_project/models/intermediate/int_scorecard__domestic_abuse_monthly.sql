-- depends_on: {{ ref('measures') }}
-- Monthly counts of the domestic abuse measures: one row per measure × CSP × month from the
-- CSP's first month with a domestic abuse file (incidents or MARAC) to the latest month any
-- CSP has one (so a CSP whose files are late shows "no data" for the months missing). The
-- files are sent per CSP: a measure's count is NULL ("no data") in a month with no file of
-- its source for the CSP, and 0 when the file has no event meeting the rule. No force level:
-- a force total would need every CSP of the force to have sent its files.
with

coverage as (

    select source, csp_code as coverage_key, period_month, max(loaded_at) as loaded_at
    from {{ ref('int_domestic_abuse__events') }}
    group by all

),

latest as (

    select max(period_month) as period_month from coverage

),

area_months as (

    select
        'csp' as area_type,
        coverage.coverage_key as area_code,
        coverage.coverage_key,
        unnest(generate_series(min(coverage.period_month), any_value(latest.period_month),
            interval 1 month))::date as period_month
    from coverage
    cross join latest
    group by coverage.coverage_key

),

counts as (

    select measure_code, source, 'csp' as area_type, csp_code as area_code, period_month,
        sum(event_count) as n, sum(denominator_count) as d
    from {{ ref('int_domestic_abuse__measure_counts') }}
    group by all

),

monthly as (

    {{ measure_monthly(
        measures_counted_from(['dv_incidents', 'marac_cases']),
        'coverage', 'area_months', 'counts'
    ) }}

)

select * exclude (coverage_key) from monthly
