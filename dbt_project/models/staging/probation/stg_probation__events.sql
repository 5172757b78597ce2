-- Probation's OASys assessments, initial and termination, with the criminogenic needs each
-- found (a newer file of the same month and CSP has already replaced the older one at load).
-- Typing and renaming only.
with

source as (

    select * from {{ source('raw', 'probation_events') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || event_ref) as event_key,
        event_ref,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- the assessment
        csp_code,
        team,
        event_type,
        event_date,
        date_trunc('month', event_date)::date as event_month,

        -- the offender (pseudonymised at load)
        offender_ref,
        age,
        gender,

        -- criminogenic needs found, OASys sections 3-12
        {%- for s in range(3, 13) %}
        need_section_{{ s }}{{ ',' if not loop.last }}
        {%- endfor %}

    from source

)

select * from renamed
