{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    on_schema_change='fail',
    post_hook="{{ record_incremental_state() }}",
) }}
-- Incremental by month (macros/incremental_months.sql): a month's rows are the month's events
-- (a month entering or leaving the history is recomputed).
-- Events the warehouse loaded but cannot place in full, counted (never dropped silently): one
-- row per source, force, CSP, month and reason. A crime or ASB row with no LSOA, or with an
-- LSOA seeds/areas.csv does not know (a 2021 LSOA, a Welsh LSOA of an English force), counts
-- in its force's totals but in no CSP's (counted_in 'force'); an event whose month is outside
-- the history (macro in_history: before var csp_first_month, or after the build's month) is
-- counted nowhere (counted_in 'nowhere'). A force not in seeds/forces.csv never gets this far:
-- its file is rejected at the door (the police_street and police_crime contracts).
with

crime as (

    select
        source,
        force_code,
        csp_code,
        period_month,
        case
            when not {{ in_history('period_month') }} then 'month_outside_history'
            when lsoa_code is null then 'no_lsoa'
            else 'lsoa_not_in_areas'
        end as reason,
        case when {{ in_history('period_month') }} then 'force' else 'nowhere' end as counted_in,
        -- an LSOA the reference does not know, as sent (one example per row)
        min(lsoa_code) as example_lsoa_code,
        count(distinct lsoa_code) as lsoas,
        count(*) as events,
        count(distinct source_file) as files,
        arg_max(source_file, loaded_at) as last_file,
        max(loaded_at) as last_loaded_at
    from {{ ref('int_crime__events') }}
    where (csp_code is null or not {{ in_history('period_month') }})
      and {{ incremental_months_where('period_month') }}
    group by all

),

-- the partners that send one file per CSP: their CSP is checked at the door, their month not
csp_sent as (

    {% for events in ['int_domestic_abuse__events', 'int_asb__events', 'int_fire__events'] %}
    select
        events.source,
        areas.force_code,
        events.csp_code,
        events.period_month,
        'month_outside_history' as reason,
        'nowhere' as counted_in,
        cast(null as varchar) as example_lsoa_code,
        0 as lsoas,
        count(*) as events,
        count(distinct events.source_file) as files,
        arg_max(events.source_file, events.loaded_at) as last_file,
        max(events.loaded_at) as last_loaded_at
    from {{ ref(events) }} as events
    left join (select distinct csp_code, force_code from {{ ref('areas') }}) as areas
        on areas.csp_code = events.csp_code
    where not {{ in_history('period_month') }}
      and {{ incremental_months_where('events.period_month') }}
    group by all
    {{ 'union all' if not loop.last }}
    {% endfor %}

),

unioned as (

    select * from crime
    union all
    select * from csp_sent

)

select
    unioned.source::varchar as source,
    unioned.reason::varchar as reason,
    unioned.counted_in::varchar as counted_in,
    unioned.force_code::varchar as force_code,
    forces.force_name::varchar as force_name,
    unioned.csp_code::varchar as csp_code,
    unioned.period_month::date as period_month,
    unioned.events::bigint as events,
    unioned.lsoas::bigint as lsoas,
    unioned.example_lsoa_code::varchar as example_lsoa_code,
    unioned.files::bigint as files,
    unioned.last_file::varchar as last_file,
    unioned.last_loaded_at::timestamp as last_loaded_at
from unioned
left join {{ ref('forces') }} as forces
    on forces.force_code = unioned.force_code
