-- Crime grain: every police_crime row, plus police_street crimes (not ASB) for the
-- (force, month) combinations that have no police_crime rows. Classified and mapped to areas.
with

forces as (

    select force_code, police_uk_name from {{ ref('forces') }}

),

areas as (

    select lsoa_code, csp_code from {{ ref('areas') }}

),

offences as (

    select * from {{ ref('offence_classification') }}

),

street_crime_types as (

    select crime_type, offence_group from {{ ref('police_uk_crime_types') }}

),

recorded as (

    select * from {{ ref('stg_police__recorded_crimes') }}

),

recorded_force_months as (

    select distinct force_code, period_month from recorded

),

street as (

    select
        street.*,
        forces.force_code
    from {{ ref('stg_police_uk__street_crimes') }} as street
    left join forces
        on forces.police_uk_name = street.falls_within
    where not street.is_asb

),

recorded_crimes as (

    select
        recorded.crime_record_key as crime_key,
        'police_crime' as source,
        recorded.period_month,
        recorded.recorded_date,
        recorded.force_code,
        recorded.lsoa_code,
        recorded.location_type,
        recorded.offence_code,
        coalesce(offences.offence_description, recorded.offence_description) as offence_description,
        offences.offence_group,
        offences.police_uk_crime_type,
        true as is_all_crime,
        coalesce(offences.is_sac, false) as is_sac,
        coalesce(offences.is_domestic_burglary, false) as is_domestic_burglary,
        coalesce(offences.is_vehicle_crime, false) as is_vehicle_crime,
        coalesce(offences.is_robbery_personal, false) as is_robbery_personal,
        coalesce(offences.is_violence_with_injury, false) as is_violence_with_injury,
        coalesce(offences.is_violence_without_injury, false) as is_violence_without_injury,
        coalesce(offences.is_public_place_violence_offence, false)
            and recorded.location_type = 'public_place' as is_public_place_violence,
        coalesce(offences.is_criminal_damage, false) as is_criminal_damage,
        coalesce(recorded.is_hate_race, false)
            or coalesce(recorded.is_hate_religion, false)
            or coalesce(recorded.is_hate_disability, false)
            or coalesce(recorded.is_hate_sexual_orientation, false)
            or coalesce(recorded.is_hate_transgender, false) as is_hate_crime,
        coalesce(recorded.is_hate_race, false) as is_hate_race,
        coalesce(recorded.is_hate_religion, false) as is_hate_religion,
        coalesce(recorded.is_hate_disability, false) as is_hate_disability,
        coalesce(recorded.is_hate_sexual_orientation, false) as is_hate_sexual_orientation,
        coalesce(recorded.is_hate_transgender, false) as is_hate_transgender,
        recorded.is_domestic_abuse,
        recorded.victim_ref,
        recorded.victim_age,
        recorded.victim_gender,
        recorded.outcome,
        recorded.source_file,
        recorded.batch_id,
        recorded.loaded_at
    from recorded
    left join offences
        on upper(offences.offence_code) = recorded.offence_code

),

street_crimes as (

    select
        street.street_record_key as crime_key,
        'police_street' as source,
        street.period_month,
        cast(null as date) as recorded_date,
        street.force_code,
        street.lsoa_code,
        cast(null as varchar) as location_type,
        cast(null as varchar) as offence_code,
        cast(null as varchar) as offence_description,
        street_crime_types.offence_group,
        street.crime_type as police_uk_crime_type,
        true as is_all_crime,
        -- police_street lacks the fields the other measures need: unknown, not false
        cast(null as boolean) as is_sac,
        cast(null as boolean) as is_domestic_burglary,
        cast(null as boolean) as is_vehicle_crime,
        cast(null as boolean) as is_robbery_personal,
        cast(null as boolean) as is_violence_with_injury,
        cast(null as boolean) as is_violence_without_injury,
        cast(null as boolean) as is_public_place_violence,
        cast(null as boolean) as is_criminal_damage,
        cast(null as boolean) as is_hate_crime,
        cast(null as boolean) as is_hate_race,
        cast(null as boolean) as is_hate_religion,
        cast(null as boolean) as is_hate_disability,
        cast(null as boolean) as is_hate_sexual_orientation,
        cast(null as boolean) as is_hate_transgender,
        cast(null as boolean) as is_domestic_abuse,
        cast(null as varchar) as victim_ref,
        cast(null as integer) as victim_age,
        cast(null as varchar) as victim_gender,
        street.last_outcome_category as outcome,
        street.source_file,
        street.batch_id,
        street.loaded_at
    from street
    left join street_crime_types
        on street_crime_types.crime_type = street.crime_type
    where not exists (
        select 1
        from recorded_force_months
        where recorded_force_months.force_code = street.force_code
          and recorded_force_months.period_month = street.period_month
    )

),

unioned as (

    select * from recorded_crimes
    union all
    select * from street_crimes

),

mapped as (

    select
        unioned.*,
        areas.csp_code
    from unioned
    left join areas
        on areas.lsoa_code = unioned.lsoa_code

)

select * from mapped
