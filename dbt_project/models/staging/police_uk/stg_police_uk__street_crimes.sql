-- data.police.uk street-level crime and ASB: one row per published row (typing and renaming only).
with

source as (

    select * from {{ source('raw', 'police_street') }}

),

renamed as (

    select
        -- keys and lineage
        md5(_file_hash || '|' || _row_number::varchar) as street_record_key,
        crime_id,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- period
        month as period_label,
        strptime(month || '-01', '%Y-%m-%d')::date as period_month,

        -- forces
        reported_by,
        falls_within,

        -- location
        longitude,
        latitude,
        location,
        lsoa_code,
        lsoa_name,

        -- what
        crime_type,
        crime_type = 'Anti-social behaviour' as is_asb,
        last_outcome_category,
        context

    from source

)

select * from renamed
