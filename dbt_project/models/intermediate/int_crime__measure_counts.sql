{{ config(
    materialized='incremental',
    incremental_strategy='replace_months',
    on_schema_change='fail',
    post_hook="{{ record_incremental_state() }}",
) }}
-- depends_on: {{ ref('measures') }}
-- How many events each crime measure of the catalogue counts, per source, month, force, CSP
-- and LSOA (groups with no counted event are left out). The SQL of each measure is generated
-- from its catalogue row (numerator_rule, source): the one definition that the scorecard's
-- CSP and force counts and crime_by_lsoa_month's LSOA counts all add up from.
-- Incremental by month (macros/incremental_months.sql): every crime measure is a count of a
-- month's events (no year-to-date or per-person method), so a run recounts only the months
-- changed; a catalogue edit changes the fingerprint and recounts every month.
{%- set crime_measures = measures_counted_from(['police_crime', 'police_street']) -%}
{%- for m in crime_measures if m.method == 'distinct_ytd' -%}
    {{ exceptions.raise_compiler_error(
        "int_crime__measure_counts is incremental by month, but measure '" ~ m.measure_code
        ~ "' (distinct_ytd) counts each person once per financial year: recompute whole "
        ~ "financial years (or make the model a table) before adding it") }}
{%- endfor %}
select * from (
{{ measure_event_counts(
    '(select * from ' ~ ref('int_crime__events') ~ ' where ' ~ incremental_months_where('period_month') ~ ')',
    crime_measures,
    ['force_code', 'csp_code', 'lsoa_code']
) }}
)
-- a month's rows together: an incremental run's delete touches its own row groups only
order by period_month
