-- Convictions of offenders the IOM team manages or has managed (police / courts), each with
-- its Home Office offence code (a newer file of the same month and CSP has already replaced
-- the older one at load). Typing and renaming only.
with

source as (

    select * from {{ source('raw', 'iom_convictions') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || conviction_ref) as conviction_key,
        conviction_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- the conviction
        csp_code,
        offender_ref,
        conviction_date,
        date_trunc('month', conviction_date)::date as conviction_month,
        offence_code

    from source

)

select * from renamed
