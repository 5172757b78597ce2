-- Cases heard at MARAC, from the MARAC coordinator (typing and renaming only).
with

source as (

    select * from {{ source('raw', 'marac_cases') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || case_ref) as case_key,
        case_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- period and place
        marac_date::date as marac_date,
        {{ month_start('marac_date') }} as period_month,
        csp_code,

        -- victim (victim_ref is a keyed pseudonym made at ingest, never a raw id)
        victim_ref,
        victim_gender,
        victim_age_band,

        -- what
        referring_agency,
        repeat_flag::boolean as is_repeat,
        children_in_household::integer as children_in_household,
        idva_engaged::boolean as is_idva_engaged

    from source

)

select * from renamed
