-- Report grain fact: one row per ASB report made to the council. caller_ref is a keyed
-- pseudonym made at ingest (never a raw person id); this table stays in the working
-- warehouse and is not published to the serving file.
select
    event_key as report_key,
    event_ref as report_ref,
    event_date as report_date,
    period_month,
    {{ financial_year('period_month') }} as financial_year,
    csp_code,
    lsoa_code,
    category,
    channel,
    person_ref as caller_ref,
    risk_level,
    satisfaction,
    source_file,
    batch_id,
    loaded_at
from {{ ref('int_asb__events') }}
-- a month outside the history is counted nowhere (unplaced_events reports it)
where {{ in_history('period_month') }}
