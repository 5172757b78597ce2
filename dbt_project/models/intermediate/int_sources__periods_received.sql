-- Which periods each partner source has sent for each of its scopes, and when the period was
-- last loaded: one row per source, scope and month with data. The crime sources are sent
-- per force, the others per CSP. A new source adds its line here (from its events model).
with

received as (

    select source, 'force' as scope_type, force_code as scope_code, period_month, loaded_at,
        source_file
    from {{ ref('int_crime__source_coverage') }}

    {% for events in ['int_domestic_abuse__events', 'int_asb__events', 'int_fire__events'] %}
    union all
    select source, 'csp' as scope_type, csp_code as scope_code, period_month,
        max(loaded_at) as loaded_at, arg_max(source_file, loaded_at) as source_file
    from {{ ref(events) }}
    group by all
    {% endfor %}

    -- a snapshot source's period is the snapshot's month (it covers the months before it too,
    -- int_snapshot__coverage, but it is due, and received, for its own month)
    {% for source, staging in [('treatment_episodes', 'stg_treatment__episodes'),
                               ('court_orders', 'stg_probation__court_orders'),
                               ('iom_cohort', 'stg_iom__cohort')] %}
    union all
    select '{{ source }}' as source, 'csp' as scope_type, csp_code as scope_code,
        snapshot_month as period_month, max(loaded_at) as loaded_at,
        arg_max(source_file, loaded_at) as source_file
    from {{ ref(staging) }}
    group by all
    {% endfor %}

    -- probation's assessments and the IOM convictions: events, per month of the event
    {% for source, staging, month in [('probation_events', 'stg_probation__events', 'event_month'),
                                      ('iom_convictions', 'stg_iom__convictions', 'conviction_month')] %}
    union all
    select '{{ source }}' as source, 'csp' as scope_type, csp_code as scope_code,
        {{ month }} as period_month, max(loaded_at) as loaded_at,
        arg_max(source_file, loaded_at) as source_file
    from {{ ref(staging) }}
    group by all
    {% endfor %}

    -- the Home Office table of crime by CSP: each quarter (its last month) of the CSPs the
    -- warehouse ranks among peers (those with a group in seeds/most_similar_groups.csv)
    union all
    select 'ons_csp_crime' as source, 'csp' as scope_type, csp_code as scope_code,
        period_month, max(loaded_at) as loaded_at, arg_max(source_file, loaded_at) as source_file
    from {{ ref('int_peers__csp_measure_counts') }}
    where csp_code in (select csp_code from {{ ref('most_similar_groups') }})
    group by all

    -- the partners' indicator returns: one return per CSP and FY quarter (its monthly
    -- figures with it), received for the quarter, named by its last month as source_status
    -- reads a period
    union all
    select 'indicator_returns' as source, 'csp' as scope_type, csp_code as scope_code,
        (date_trunc('quarter', period_month) + interval 2 month)::date as period_month,
        max(loaded_at) as loaded_at, arg_max(source_file, loaded_at) as source_file
    from {{ ref('stg_partner__indicator_returns') }}
    group by all

    -- NDTMS's yearly export, for the areas that are CSPs (its period: the year's last month)
    union all
    select source, 'csp' as scope_type, area_code as scope_code, period_month,
        max(loaded_at) as loaded_at, arg_max(source_file, loaded_at) as source_file
    from {{ ref('int_ndtms__area_years') }}
    where area_type = 'csp'
    group by all

)

-- a month outside the history (macro in_history: a typo, a month not yet begun) is no period
-- received: it would make a partner look up to date for decades (unplaced_events reports it)
select * from received
where {{ in_history('period_month') }}
