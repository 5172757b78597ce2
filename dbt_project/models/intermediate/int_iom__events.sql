-- Every event the IOM measures count, per CSP and quarter (period_month = the quarter's last
-- month), from the newest cohort snapshot of each CSP and financial year:
-- * source iom_cohort: each offender's period on the scheme that overlaps the quarter, flagged
--   on the scheme at the quarter's end, selected in it, removed in it;
-- * source iom_convictions: each conviction of the CSP dated in the quarter, and each dated in
--   the same quarter of the previous financial year (is_last_fy, the comparison), flagged
--   in_current_cohort when the offender is on the scheme at the quarter's end. The cohort is
--   the quarter's: last year's convictions are those of the same offenders, before their
--   selection included, so the change in reoffending compares one group of people with
--   itself (spec/measures.md "Reoffending").
with

snapshots as (

    {{ latest_snapshots(ref('stg_iom__cohort')) }}

),

-- the quarters the newest snapshot of each CSP and year covers: April's quarter to its own
quarters as (

    select csp_code, period_month, snapshot_month
    from ({{ snapshot_quarters(ref('stg_iom__cohort')) }})

),

periods as (

    select
        quarters.period_month,
        quarters.period_month - interval 2 month as quarter_start,
        last_day(quarters.period_month) as quarter_end,
        snapshots.*
    from quarters
    inner join snapshots
        on snapshots.csp_code = quarters.csp_code
       and snapshots.snapshot_month = quarters.snapshot_month

),

cohort_events as (

    select
        md5(snapshot_period_key || '|' || period_month) as event_key,
        'iom_cohort' as source,
        period_month,
        csp_code,
        offender_ref as person_ref,
        selected_date <= quarter_end
            and (removed_date is null or removed_date > quarter_end) as on_scheme_at_period_end,
        selected_date >= quarter_start as selected_in_period,
        coalesce(removed_date between quarter_start and quarter_end, false) as removed_in_period,
        selected_date,
        removed_date,
        snapshot_month,
        source_file,
        loaded_at
    from periods
    where selected_date <= quarter_end
      and (removed_date is null or removed_date >= quarter_start)

),

-- the cohort at each quarter's end: each offender once
cohort as (

    select csp_code, period_month, person_ref, min(selected_date) as selected_date
    from cohort_events
    where on_scheme_at_period_end
    group by all

),

-- each conviction in the quarter, and each in the same quarter last FY, of the CSP
convictions as (

    select
        quarters.period_month,
        c.conviction_date < {{ fy_start('quarters.period_month') }} as is_last_fy,
        c.*
    from (select distinct csp_code, period_month from quarters) as quarters
    inner join {{ ref('stg_iom__convictions') }} as c
        on c.csp_code = quarters.csp_code
       and (
            c.conviction_month between quarters.period_month - interval 2 month
                and quarters.period_month
            or c.conviction_month between quarters.period_month - interval 14 month
                and quarters.period_month - interval 12 month
       )

),

-- the Home Office unit cost of crime of each offence group: the sum of its cost items, NULL
-- until every item of the group has its figure (never a part passed off as the whole)
unit_costs as (

    select
        cost_group,
        case when count(unit_cost_gbp) = count(*) then sum(unit_cost_gbp) end
            as unit_cost_of_crime
    from {{ ref('cost_of_crime') }}
    group by cost_group

),

conviction_events as (

    select
        md5(convictions.conviction_key || '|' || convictions.period_month) as event_key,
        'iom_convictions' as source,
        convictions.period_month,
        convictions.csp_code,
        convictions.offender_ref as person_ref,
        convictions.is_last_fy,
        cohort.person_ref is not null as in_current_cohort,
        coalesce(convictions.conviction_date < cohort.selected_date, false) as before_selection,
        convictions.conviction_ref,
        convictions.conviction_date,
        convictions.offence_code,
        offences.offence_group,
        offences.cost_of_crime_group,
        -- an offence with no category in the publication costs nothing here (0, and says
        -- so by its NULL cost_of_crime_group); one whose category has no figures yet: NULL
        case
            when offences.cost_of_crime_group is null then 0
            else unit_costs.unit_cost_of_crime
        end as unit_cost_of_crime,
        convictions.source_file,
        convictions.loaded_at
    from convictions
    left join cohort
        on cohort.csp_code = convictions.csp_code
       and cohort.period_month = convictions.period_month
       and cohort.person_ref = convictions.offender_ref
    left join {{ ref('offence_classification') }} as offences
        on offences.offence_code = convictions.offence_code
    left join unit_costs
        on unit_costs.cost_group = offences.cost_of_crime_group

)

select * from cohort_events
union all by name
select * from conviction_events
