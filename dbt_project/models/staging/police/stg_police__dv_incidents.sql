-- Domestic abuse incidents from the police (typing and renaming only).
with

source as (

    select * from {{ source('raw', 'dv_incidents') }}

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
        incident_date::date as incident_date,
        {{ month_start('incident_date') }} as period_month,
        csp_code,

        -- victim (victim_ref is a keyed pseudonym made at ingest, never a raw id)
        victim_ref,

        -- what
        repeat_flag::boolean as is_repeat,
        child_present::boolean as is_child_present,
        number_of_children::integer as number_of_children

    from source

)

select * from renamed
