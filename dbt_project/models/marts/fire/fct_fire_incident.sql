-- Incident grain fact: one row per incident the fire and rescue service attended. Kept in
-- the working warehouse for analysts (the serving file has the aggregates).
select
    event_key as incident_key,
    event_ref as incident_ref,
    incident_at,
    event_date as incident_date,
    period_month,
    {{ financial_year('period_month') }} as financial_year,
    csp_code,
    lsoa_code,
    incident_type,
    motive,
    property_type,
    incident_type in ('primary fire', 'secondary fire', 'chimney fire') as is_fire,
    source_file,
    batch_id,
    loaded_at
from {{ ref('int_fire__events') }}
-- a month outside the history is counted nowhere (unplaced_events reports it)
where {{ in_history('period_month') }}
