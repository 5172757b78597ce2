-- Which raw crime source has data for each (force, month), and when it was last loaded.
-- A force-month present here has data from that source; a month absent is "no data".
with

forces as (

    select force_code, police_uk_name from {{ ref('forces') }}

),

street as (

    select
        forces.force_code,
        street.period_month,
        count(*) as police_street_rows,
        max(street.loaded_at) as police_street_loaded_at
    from {{ ref('stg_police_uk__street_crimes') }} as street
    inner join forces
        on forces.police_uk_name = street.falls_within
    group by 1, 2

),

recorded as (

    select
        force_code,
        period_month,
        count(*) as police_crime_rows,
        max(loaded_at) as police_crime_loaded_at
    from {{ ref('stg_police__recorded_crimes') }}
    group by 1, 2

),

coverage as (

    select
        coalesce(recorded.force_code, street.force_code) as force_code,
        coalesce(recorded.period_month, street.period_month) as period_month,
        coalesce(recorded.police_crime_rows, 0) as police_crime_rows,
        coalesce(street.police_street_rows, 0) as police_street_rows,
        recorded.police_crime_rows is not null as has_police_crime,
        street.police_street_rows is not null as has_police_street,
        recorded.police_crime_loaded_at,
        street.police_street_loaded_at
    from recorded
    full outer join street
        on street.force_code = recorded.force_code
       and street.period_month = recorded.period_month

)

select * from coverage
