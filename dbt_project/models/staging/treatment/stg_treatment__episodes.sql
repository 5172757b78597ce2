-- The treatment provider's monthly snapshots of treatment episodes, every snapshot kept (a
-- newer extract of the same month and CSP has already replaced the older one at load).
-- Typing and renaming only.
with

source as (

    select * from {{ source('raw', 'treatment_episodes') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || extract_month || '|' || episode_ref) as snapshot_episode_key,
        episode_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- the snapshot
        strptime(extract_month || '-01', '%Y-%m-%d')::date as snapshot_month,
        csp_code,

        -- the episode
        client_ref,
        cohort,
        substance_group,
        criminal_justice_referral,
        start_date,
        end_date,
        exit_reason,
        client_gender,
        client_age

    from source

)

select * from renamed
