-- Case grain fact: one row per case heard at MARAC, with the coordinator's repeat flag (the
-- official figure) beside the repeat the warehouse derives from the pseudonymised victim.
-- victim_ref is a keyed pseudonym made at ingest (never a raw person id); this table stays in
-- the working warehouse and is not published to the serving file.
select
    event_key as case_key,
    event_ref as case_ref,
    event_date as marac_date,
    period_month,
    {{ financial_year('period_month') }} as financial_year,
    csp_code,
    victim_ref,
    referring_agency,
    is_repeat,
    is_repeat_derived,
    previous_event_date as previous_case_date,
    victim_gender,
    victim_age_band,
    children_in_household,
    is_idva_engaged,
    source_file,
    batch_id,
    loaded_at
from {{ ref('int_domestic_abuse__events') }}
where source = 'marac_cases'
  -- a month outside the history is counted nowhere (unplaced_events reports it)
  and {{ in_history('period_month') }}
