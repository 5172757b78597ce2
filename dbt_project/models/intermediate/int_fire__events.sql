-- Every event the fire measures count: each incident the fire and rescue service attended.
-- The catalogue's rules filter these columns (e.g. incident_type = 'primary fire' and
-- motive = 'deliberate').
select
    incident_key as event_key,
    'fire_incidents' as source,
    incident_ref as event_ref,
    incident_date as event_date,
    incident_at,
    period_month,
    csp_code,
    lsoa_code,
    incident_type,
    motive,
    property_type,
    source_file,
    batch_id,
    loaded_at
from {{ ref('stg_fire__incidents') }}
