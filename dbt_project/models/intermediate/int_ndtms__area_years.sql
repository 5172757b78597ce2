-- One row per area and reporting year of the NDTMS ViewIt export: the file's own total rows
-- (sex, age group and drug group all total), as published, never re-added from the
-- breakdown. The area is mapped to the warehouse's areas by name: a CSP when the name is a
-- CSP's, else a district when it is a district's, else kept as ViewIt names it.
with

totals as (

    select *
    from {{ ref('stg_ndtms__viewit') }}
    where sex = 'total'
        and age_group = 'total'
        and drug_group = 'total'

),

csps as (

    select distinct lower(csp_name) as name_key, csp_code
    from {{ ref('areas') }}
    where csp_code is not null and csp_name is not null

),

districts as (

    select distinct lower(district_name) as name_key, district_code
    from {{ ref('areas') }}
    where district_code is not null and district_name is not null

),

mapped as (

    select
        'ndtms_viewit' as source,
        case
            when csps.csp_code is not null then 'csp'
            when districts.district_code is not null then 'district'
            else 'ndtms_area'
        end as area_type,
        coalesce(csps.csp_code, districts.district_code, totals.area_name) as area_code,
        totals.area_name,
        totals.reporting_year,
        totals.period_month,
        totals.in_treatment,
        totals.exits_successful_completion as successful_completions,
        totals.new_presentations,
        -- every exit reason of the year; a reason ViewIt publishes as NULL adds nothing, and
        -- the year has no exits figure only when it publishes none
        list_sum([
            totals.exits_successful_completion,
            totals.exits_died,
            totals.exits_dropped_out,
            totals.exits_moved_away,
            totals.exits_no_appropriate_treatment,
            totals.exits_not_known,
            totals.exits_other,
            totals.exits_prison,
            totals.exits_transferred_not_in_custody,
            totals.exits_transferred_in_custody,
            totals.exits_referred_on,
            totals.exits_treatment_declined,
            totals.exits_treatment_withdrawn,
            totals.exits_inconsistent
        ])::integer as exits,
        totals.loaded_at,
        totals.source_file
    from totals
    left join csps
        on csps.name_key = lower(trim(totals.area_name))
    left join districts
        on districts.name_key = lower(trim(totals.area_name))

)

select * from mapped
