{{ config(materialized='view', meta={'months_of': 'int_crime__events'}) }}
-- A view over int_crime__events: nationally the crimes are some 40 million rows, and a second
-- stored copy of them cost as long to write as the events themselves (about 4 minutes of a
-- 15-minute budget) for a table nothing downstream reads; an analyst's query reads the
-- stored events through it. Its data tests check the months int_crime__events last
-- recomputed (meta months_of; macro get_where_subquery).
-- Crime grain fact: one row per crime the warehouse counts for all crime: every police_crime
-- record, and the data.police.uk crimes (not ASB) of the force-months with no police_crime
-- extract. victim_ref is a keyed pseudonym made at ingest (never a raw person id); this
-- table stays in the working warehouse and is not published to the serving file.
with

events as (

    select * from {{ ref('int_crime__events') }}

),

recorded_force_months as (

    select force_code, period_month
    from {{ ref('int_crime__source_coverage') }}
    where source = 'police_crime'

)

select
    events.event_key as crime_key,
    events.source,
    events.period_month,
    events.recorded_date,
    events.force_code,
    events.lsoa_code,
    events.csp_code,
    events.location_type,
    events.offence_code,
    events.offence_description,
    events.offence_group,
    events.police_uk_crime_type,
    events.is_public_place_violence_offence,
    events.is_domestic_abuse,
    events.is_hate_race,
    events.is_hate_religion,
    events.is_hate_disability,
    events.is_hate_sexual_orientation,
    events.is_hate_transgender,
    events.victim_ref,
    events.victim_age,
    events.victim_gender,
    events.outcome,
    events.source_file,
    events.batch_id,
    events.loaded_at
from events
-- a month outside the history is counted nowhere (unplaced_events reports it)
where {{ in_history('events.period_month') }}
  and (
    events.source = 'police_crime'
    or (
        not events.is_asb
        and not exists (
            select 1
            from recorded_force_months
            where recorded_force_months.force_code = events.force_code
              and recorded_force_months.period_month = events.period_month
        )
    )
  )
