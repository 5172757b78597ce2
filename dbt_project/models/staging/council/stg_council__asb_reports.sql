-- ASB reports made to the council (typing and renaming only).
with

source as (

    select * from {{ source('raw', 'asb_council') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || report_ref) as report_key,
        report_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- period and place
        report_date::date as report_date,
        {{ month_start('report_date') }} as period_month,
        csp_code,
        lsoa_code,

        -- the report (caller_ref is a keyed pseudonym made at ingest, never a raw id)
        category,
        channel,
        caller_ref,
        risk_level,
        satisfaction

    from source

)

select * from renamed
