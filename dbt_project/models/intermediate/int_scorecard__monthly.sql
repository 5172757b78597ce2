{{ config(
    materialized='incremental',
    incremental_strategy='replace_from_month',
    incremental_inputs=[
        'int_scorecard__crime_monthly', 'int_scorecard__domestic_abuse_monthly',
        'int_scorecard__asb_monthly', 'int_scorecard__fire_monthly',
        'int_scorecard__treatment_monthly', 'int_scorecard__court_orders_monthly',
        'int_scorecard__iom_quarterly', 'int_scorecard__ndtms_yearly',
        'int_scorecard__partner_returns',
    ],
    on_schema_change='fail',
    post_hook="{{ record_incremental_from_state() }}",
) }}
-- depends_on: {{ ref('measures') }}
-- The monthly counts of every domain, one spine: each domain's monthly model has the same
-- columns, matched by name (a column one domain lacks, such as force_code, is NULL on its
-- rows); then the measures that sum others (sum_of: police + council ASB). A new domain adds
-- its monthly model here (and to incremental_inputs); the scorecard and the calendar read
-- this. Incremental from the earliest changed month (macros/incremental_from_month.sql): a
-- month's rows are its domains' rows of that month and their sums.
with

counted as (

    select * from {{ ref('int_scorecard__crime_monthly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__domestic_abuse_monthly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__asb_monthly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__fire_monthly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__treatment_monthly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__court_orders_monthly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__iom_quarterly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__ndtms_yearly') }} where {{ incremental_from_where('period_month') }}
    union all by name
    select * from {{ ref('int_scorecard__partner_returns') }} where {{ incremental_from_where('period_month') }}

),

summed as (

    {{ measure_sums_of('counted') }}

)

select * from counted
union all by name
select * from summed
