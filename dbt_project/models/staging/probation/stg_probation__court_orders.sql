-- Probation's quarterly snapshots of DRR and ATR orders, every snapshot kept (a newer extract
-- of the same month and CSP has already replaced the older one at load). Typing and renaming
-- only.
with

source as (

    select * from {{ source('raw', 'court_orders') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || extract_month || '|' || order_ref) as snapshot_order_key,
        order_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- the snapshot
        strptime(extract_month || '-01', '%Y-%m-%d')::date as snapshot_month,
        csp_code,

        -- the order
        offender_ref,
        order_type,
        commenced_date,
        end_date,
        end_reason

    from source

)

select * from renamed
