-- One row per area at lsoa, district, csp and force level, with its parents, and each area
-- of the NDTMS ViewIt export that is none of them (ndtms_area).
with

areas as (

    select * from {{ ref('areas') }}

),

forces as (

    select * from {{ ref('forces') }}

),

lsoa as (

    select
        lsoa_code as area_code,
        lsoa_name as area_name,
        'lsoa' as area_type,
        district_code as parent_area_code,
        district_code,
        csp_code,
        force_code
    from areas

),

district as (

    select
        district_code as area_code,
        min(district_name) as area_name,
        'district' as area_type,
        min(csp_code) as parent_area_code,
        district_code,
        min(csp_code) as csp_code,
        min(force_code) as force_code
    from areas
    where district_code is not null
    group by district_code

),

csp as (

    select
        csp_code as area_code,
        min(csp_name) as area_name,
        'csp' as area_type,
        min(force_code) as parent_area_code,
        cast(null as varchar) as district_code,
        csp_code,
        min(force_code) as force_code
    from areas
    where csp_code is not null
    group by csp_code

),

force_codes as (

    select force_code, force_name from forces
    union all
    select force_code, min(force_name) from areas
    where force_code is not null and force_code not in (select force_code from forces)
    group by force_code

),

force as (

    select
        force_code as area_code,
        min(force_name) as area_name,
        'force' as area_type,
        cast(null as varchar) as parent_area_code,
        cast(null as varchar) as district_code,
        cast(null as varchar) as csp_code,
        force_code
    from force_codes
    group by force_code

),

-- an area of the NDTMS ViewIt export that is neither a CSP nor a district (an upper-tier
-- local authority such as a county), named as ViewIt names it
ndtms_area as (

    select distinct
        area_code,
        area_name,
        'ndtms_area' as area_type,
        cast(null as varchar) as parent_area_code,
        cast(null as varchar) as district_code,
        cast(null as varchar) as csp_code,
        cast(null as varchar) as force_code
    from {{ ref('int_ndtms__area_years') }}
    where area_type = 'ndtms_area'

)

select * from lsoa
union all
select * from district
union all
select * from csp
union all
select * from force
union all
select * from ndtms_area
