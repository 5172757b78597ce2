-- Local record-level police recorded crime extract (typing and renaming only).
with

source as (

    select * from {{ source('raw', 'police_crime') }}

),

renamed as (

    select
        -- keys and lineage
        md5(force_code || '|' || crime_ref) as crime_record_key,
        crime_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- period
        recorded_date::date as recorded_date,
        {{ month_start('recorded_date') }} as period_month,

        -- where
        force_code,
        lsoa_code,
        location_type,

        -- what
        upper(trim(offence_code)) as offence_code,
        offence_description,
        domestic_abuse::boolean as is_domestic_abuse,
        hate_race::boolean as is_hate_race,
        hate_religion::boolean as is_hate_religion,
        hate_sexual_orientation::boolean as is_hate_sexual_orientation,
        hate_disability::boolean as is_hate_disability,
        hate_transgender::boolean as is_hate_transgender,

        -- victim (victim_ref is a keyed pseudonym made at ingest, never a raw id)
        victim_ref,
        victim_age::integer as victim_age,
        victim_gender,
        outcome

    from source

)

select * from renamed
