-- Incidents attended by the fire and rescue service (typing and renaming only).
with

source as (

    select * from {{ source('raw', 'fire_incidents') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || incident_ref) as incident_key,
        incident_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- period and place
        incident_datetime::timestamp as incident_at,
        incident_datetime::date as incident_date,
        {{ month_start('incident_datetime') }} as period_month,
        csp_code,
        lsoa_code,

        -- what
        incident_type,
        motive,
        property_type

    from source

)

select * from renamed
