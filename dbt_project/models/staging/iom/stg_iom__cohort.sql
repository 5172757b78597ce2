-- The IOM team's quarterly snapshots of the cohort: one row per offender's period on the
-- scheme per snapshot, every snapshot kept (a newer extract of the same month and CSP has
-- already replaced the older one at load). Typing and renaming only.
with

source as (

    select * from {{ source('raw', 'iom_cohort') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || extract_month || '|' || offender_ref || '|' || selected_date)
            as snapshot_period_key,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- the snapshot
        strptime(extract_month || '-01', '%Y-%m-%d')::date as snapshot_month,
        csp_code,

        -- the offender's period on the scheme
        offender_ref,
        selected_date,
        removed_date

    from source

)

select * from renamed
