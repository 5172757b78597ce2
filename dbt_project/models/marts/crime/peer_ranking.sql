-- Peer ranking (Most Similar Group, measures.md "Comparing with peers"): for each CSP that has
-- a group in seeds/most_similar_groups.csv, each measure the Home Office table of crime by CSP
-- counts and each quarter of it, the CSP's count and rate per 1,000 population, its position
-- by rate within its group (1 = the lowest rate), the group's size and median rate, and its
-- position the quarter before. Each member's rate uses its own ONS mid-year population of the
-- year the quarter's financial year starts in (the nearest year outside the series), the year
-- used stored beside it. A member with no count or no population that quarter is left out of
-- the ranking (group_size counts those ranked).
with

counts as (

    select * from {{ ref('int_peers__csp_measure_counts') }}

),

groups as (

    select csp_code, peer_csp_code from {{ ref('most_similar_groups') }}

),

population as (

    select area_code, year, population
    from {{ ref('population') }}
    where area_type = 'csp' and population is not null

),

measures as (

    select measure_code, measure_name, display_order from {{ ref('dim_measure') }}

),

areas as (

    select area_code, area_name from {{ ref('dim_area') }} where area_type = 'csp'

),

-- every CSP of the table: its count and rate per 1,000 of its population
rates as (

    select
        counts.csp_code,
        counts.measure_code,
        counts.period_month,
        counts.financial_year,
        counts.financial_quarter,
        counts.offence_count,
        counts.loaded_at,
        counts.source_file,
        population.population,
        population.year as population_year,
        {{ rate_per('counts.offence_count', 'population.population', 1000) }} as rate_per_1000
    from counts
    left join population
        on population.area_code = counts.csp_code
    qualify row_number() over (
        partition by counts.csp_code, counts.measure_code, counts.period_month
        order by {{ population_year_order('population.year', 'counts.period_month') }}
    ) = 1

),

-- each group's members with a rate, ranked within the group
ranked as (

    select
        groups.csp_code,
        groups.peer_csp_code,
        rates.measure_code,
        rates.period_month,
        rates.rate_per_1000,
        {{ rank_in_group('rates.rate_per_1000',
                         'groups.csp_code, rates.measure_code, rates.period_month') }}
            as rank_in_group,
        count(*) over (partition by groups.csp_code, rates.measure_code, rates.period_month)
            as group_size,
        median(rates.rate_per_1000) over (
            partition by groups.csp_code, rates.measure_code, rates.period_month
        ) as group_median_rate_per_1000
    from groups
    inner join rates
        on rates.csp_code = groups.peer_csp_code
    where rates.rate_per_1000 is not null

),

own as (

    select * from ranked where peer_csp_code = csp_code

),

group_members as (

    select csp_code, count(*) as group_members from groups group by csp_code

),

final as (

    select
        'csp' as area_type,
        rates.csp_code as area_code,
        areas.area_name,
        rates.measure_code,
        measures.measure_name,
        measures.display_order,
        'quarter' as period_type,
        rates.period_month,
        rates.financial_year,
        rates.financial_quarter,
        rates.offence_count as count,
        rates.population,
        rates.population_year,
        rates.rate_per_1000,
        own.rank_in_group::integer as rank_in_group,
        own.group_size::integer as group_size,
        group_members.group_members::integer as group_members,
        own.group_median_rate_per_1000,
        last_quarter.rate_per_1000 as rate_per_1000_last_quarter,
        last_quarter.rank_in_group::integer as rank_in_group_last_quarter,
        last_quarter.group_size::integer as group_size_last_quarter,
        'ons_csp_crime' as source,
        rates.source_file,
        rates.loaded_at
    from rates
    inner join group_members
        on group_members.csp_code = rates.csp_code
    inner join measures
        on measures.measure_code = rates.measure_code
    left join areas
        on areas.area_code = rates.csp_code
    left join own
        on own.csp_code = rates.csp_code
       and own.measure_code = rates.measure_code
       and own.period_month = rates.period_month
    left join own as last_quarter
        on last_quarter.csp_code = rates.csp_code
       and last_quarter.measure_code = rates.measure_code
       and last_quarter.period_month = (rates.period_month - interval 3 month)::date

)

select * from final
