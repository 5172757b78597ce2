-- Every published figure whose count changed after it was first published: one row per
-- change, with the count before and after, when the changed figure was published and the
-- file that changed it. The changes already published come from the publish history (each
-- record whose count differs from the one published before it); a change this build makes
-- (the scorecard's count differs from the count last published) is listed too, with
-- restated_at NULL until the publish that publishes it stamps its time.
with

history as (

    select
        *,
        lag(published_count) over (
            partition by measure_code, area_type, area_code, period_month
            order by published_at, publish_id
        ) as count_before
    from {{ ref('stg_publish__history') }}

),

published_changes as (

    select
        measure_code,
        area_type,
        area_code,
        period_month,
        count_before,
        published_count as count_after,
        published_at as restated_at,
        source_file
    from history
    where count_before is not null
      and count_before != published_count

),

pending_changes as (

    select
        scorecard.measure_code,
        scorecard.area_type,
        scorecard.area_code,
        scorecard.period_month,
        published.last_published_count as count_before,
        scorecard."count" as count_after,
        cast(null as timestamp) as restated_at,
        scorecard.source_file
    from {{ ref('scorecard') }} as scorecard
    inner join {{ ref('int_scorecard__published') }} as published
        on published.measure_code = scorecard.measure_code
       and published.area_type = scorecard.area_type
       and published.area_code = scorecard.area_code
       and published.period_month = scorecard.period_month
    where scorecard."count" is not null
      and scorecard."count" != published.last_published_count

),

changes as (

    select * from published_changes
    union all
    select * from pending_changes

),

final as (

    select
        changes.measure_code::varchar as measure_code,
        measures.measure_name::varchar as measure_name,
        measures.domain::varchar as domain,
        changes.area_code::varchar as area_code,
        areas.area_name::varchar as area_name,
        changes.area_type::varchar as area_type,
        changes.period_month::date as period_month,
        {{ financial_year('changes.period_month') }}::varchar as financial_year,
        changes.count_before::bigint as count_before,
        changes.count_after::bigint as count_after,
        (changes.count_after - changes.count_before)::bigint as count_change,
        published.first_reported_count::bigint as first_reported_count,
        published.first_reported_at::timestamp as first_reported_at,
        changes.restated_at::timestamp as restated_at,
        changes.source_file::varchar as source_file
    from changes
    inner join {{ ref('dim_measure') }} as measures
        on measures.measure_code = changes.measure_code
    left join {{ ref('dim_area') }} as areas
        on areas.area_code = changes.area_code
       and areas.area_type = changes.area_type
    left join {{ ref('int_scorecard__published') }} as published
        on published.measure_code = changes.measure_code
       and published.area_type = changes.area_type
       and published.area_code = changes.area_code
       and published.period_month = changes.period_month

)

select * from final
