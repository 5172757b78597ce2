-- Incident grain fact: one row per police domestic abuse incident, with the partner's repeat
-- flag (the official figure) beside the repeat the warehouse derives from the pseudonymised
-- victim. victim_ref is a keyed pseudonym made at ingest (never a raw person id); this table
-- stays in the working warehouse and is not published to the serving file.
select
    event_key as incident_key,
    event_ref as incident_ref,
    event_date as incident_date,
    period_month,
    {{ financial_year('period_month') }} as financial_year,
    csp_code,
    victim_ref,
    is_repeat,
    is_repeat_derived,
    previous_event_date as previous_incident_date,
    is_child_present,
    number_of_children,
    source_file,
    batch_id,
    loaded_at
from {{ ref('int_domestic_abuse__events') }}
where source = 'dv_incidents'
  -- a month outside the history is counted nowhere (unplaced_events reports it)
  and {{ in_history('period_month') }}
