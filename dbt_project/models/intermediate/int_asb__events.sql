-- Every event the council ASB measures count: each report made to the council, with its
-- caller as the person a repeat-caller measure counts (person_ref: the ingest pseudonym; NULL
-- for a report logged by an officer, who is no caller). The catalogue's rules filter these
-- columns. ASB reported to the police is a crime-source measure (int_crime__events).
select
    report_key as event_key,
    'asb_council' as source,
    report_ref as event_ref,
    report_date as event_date,
    period_month,
    csp_code,
    lsoa_code,
    caller_ref as person_ref,
    category,
    channel,
    risk_level,
    satisfaction,
    source_file,
    batch_id,
    loaded_at
from {{ ref('stg_council__asb_reports') }}
