-- ASB incidents reported to police (data.police.uk 'Anti-social behaviour' rows), mapped to areas.
with

forces as (

    select force_code, police_uk_name from {{ ref('forces') }}

),

areas as (

    select lsoa_code, csp_code from {{ ref('areas') }}

),

asb as (

    select * from {{ ref('stg_police_uk__street_crimes') }} where is_asb

),

mapped as (

    select
        asb.street_record_key as incident_key,
        'police_street' as source,
        asb.period_month,
        forces.force_code,
        asb.lsoa_code,
        areas.csp_code,
        true as is_asb,
        asb.source_file,
        asb.batch_id,
        asb.loaded_at
    from asb
    left join forces
        on forces.police_uk_name = asb.falls_within
    left join areas
        on areas.lsoa_code = asb.lsoa_code

)

select * from mapped
