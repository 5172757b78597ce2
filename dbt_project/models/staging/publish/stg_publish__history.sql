-- What each publish published for the first time or changed: one row per publish and
-- (measure, area, month) whose count was new or different from the count published before
-- (typing and renaming only; the files are written by the publish, outside the warehouse).
with

source as (

    select * from {{ publish_history_relation() }}

),

renamed as (

    select
        publish_id,
        published_at,
        measure_code,
        area_type,
        area_code,
        period_month,
        "count" as published_count,
        source,
        source_file
    from source

)

select * from renamed
