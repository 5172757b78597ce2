-- depends_on: {{ ref('measures') }}
-- The monthly counts of every domain, one spine: each domain's monthly model has the same
-- columns, matched by name (a column one domain lacks, such as force_code, is NULL on its
-- rows); then the measures that sum others (sum_of: police + council ASB). A new domain adds
-- its monthly model here; the scorecard and the calendar read this.
with

counted as (

    select * from {{ ref('int_scorecard__crime_monthly') }}
    union all by name
    select * from {{ ref('int_scorecard__domestic_abuse_monthly') }}
    union all by name
    select * from {{ ref('int_scorecard__asb_monthly') }}
    union all by name
    select * from {{ ref('int_scorecard__fire_monthly') }}
    union all by name
    select * from {{ ref('int_scorecard__treatment_monthly') }}
    union all by name
    select * from {{ ref('int_scorecard__court_orders_monthly') }}
    union all by name
    select * from {{ ref('int_scorecard__iom_quarterly') }}
    union all by name
    select * from {{ ref('int_scorecard__ndtms_yearly') }}
    union all by name
    select * from {{ ref('int_scorecard__partner_returns') }}

),

summed as (

    {{ measure_sums_of('counted') }}

)

select * from counted
union all by name
select * from summed
