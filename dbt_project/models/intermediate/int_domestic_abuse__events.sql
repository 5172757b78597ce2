-- Every event the domestic abuse measures count: each police domestic abuse incident and each
-- case heard at MARAC, with the partner's repeat flag and the repeat the warehouse derives
-- itself from the pseudonymised victim: another event of the same source for the same victim
-- in the 12 months before (in any CSP's files). The catalogue's rules filter these columns.
with

incidents as (

    select
        incident_key as event_key,
        'dv_incidents' as source,
        incident_ref as event_ref,
        incident_date as event_date,
        period_month,
        csp_code,
        victim_ref,
        is_repeat,
        is_child_present,
        number_of_children,
        cast(null as varchar) as referring_agency,
        cast(null as varchar) as victim_gender,
        cast(null as varchar) as victim_age_band,
        cast(null as integer) as children_in_household,
        cast(null as boolean) as is_idva_engaged,
        source_file,
        batch_id,
        loaded_at
    from {{ ref('stg_police__dv_incidents') }}

),

cases as (

    -- MARAC records the children in the household, not at an incident: NULL (unknown), so a
    -- rule on is_child_present never counts a case.
    select
        case_key as event_key,
        'marac_cases' as source,
        case_ref as event_ref,
        marac_date as event_date,
        period_month,
        csp_code,
        victim_ref,
        is_repeat,
        cast(null as boolean) as is_child_present,
        cast(null as integer) as number_of_children,
        referring_agency,
        victim_gender,
        victim_age_band,
        children_in_household,
        is_idva_engaged,
        source_file,
        batch_id,
        loaded_at
    from {{ ref('stg_marac__cases') }}

),

unioned as (

    select * from incidents
    union all
    select * from cases

),

with_previous as (

    select
        *,
        -- the same victim's latest earlier event of the same source (ties on a day are ordered
        -- by reference, so two incidents on one day make the second a repeat)
        lag(event_date) over (
            partition by source, victim_ref order by event_date, event_ref
        ) as previous_event_date
    from unioned

),

derived as (

    select
        *,
        coalesce(previous_event_date >= event_date - interval 12 month, false)
            as is_repeat_derived
    from with_previous

)

select * from derived
