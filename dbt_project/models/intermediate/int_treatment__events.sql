-- Every event the treatment measures count: each episode of the newest snapshot of its CSP
-- and financial year, once per month it was open from 1 April (or its start) to its end (or
-- the snapshot's month). An episode that ended before 1 April is in no month of the year.
-- exit_reason is set on the row of the month the episode ended, so a rule on it counts each
-- exit once, in its month; the is_*_first_month flags count each episode or client once in the
-- year. The catalogue's rules filter these columns.
with

snapshots as (

    {{ latest_snapshots(ref('stg_treatment__episodes')) }}

),

open_in_year as (

    select
        *,
        greatest({{ month_start('start_date') }}, {{ fy_start('snapshot_month') }}) as first_month,
        least(coalesce({{ month_start('end_date') }}, snapshot_month), snapshot_month) as last_month
    from snapshots
    where end_date is null or end_date >= {{ fy_start('snapshot_month') }}

),

episode_months as (

    select
        *,
        unnest(generate_series(first_month, last_month, interval 1 month))::date as period_month
    from open_in_year

),

final as (

    select
        md5(snapshot_episode_key || '|' || period_month::varchar) as event_key,
        'treatment_episodes' as source,
        episode_ref as event_ref,
        period_month,
        csp_code,
        client_ref as person_ref,
        cohort,
        substance_group,
        criminal_justice_referral,
        start_date,
        end_date,
        case when period_month = {{ month_start('end_date') }} then exit_reason end as exit_reason,
        exit_reason as episode_exit_reason,
        period_month = first_month as is_episode_first_month,
        -- the client's first month in treatment in the cohort this year (any of their episodes)
        row_number() over (
            partition by csp_code, snapshot_month, client_ref, cohort
            order by period_month, episode_ref
        ) = 1 as is_client_first_month,
        client_gender,
        client_age,
        snapshot_month,
        source_file,
        batch_id,
        loaded_at
    from episode_months

)

select * from final
