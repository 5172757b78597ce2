-- The long-format scorecard: one row per measure × area × month (crime measures, csp and
-- force level). Counts come from int_scorecard__crime_monthly; every other figure is
-- computed here with the macros of spec/measures.md.
with

monthly as (

    select * from {{ ref('int_scorecard__crime_monthly') }}

),

measures as (

    select
        measure_code,
        measure_name,
        unit,
        case
            when lower(trim(rate_denominator)) in ('population', 'households')
                then lower(trim(rate_denominator))
        end as rate_denominator,
        try_cast(nullif(trim(rate_per), '') as integer) as rate_per
    from {{ ref('measures') }}

),

areas as (

    select area_code, area_type, area_name from {{ ref('dim_area') }}

),

population as (

    select area_code, area_type, year, population, households from {{ ref('population') }}

),

with_ytd as (

    select
        monthly.*,
        {{ ytd_complete('measure_count', 'measure_code, area_type, area_code', 'period_month') }}
            as ytd_count,
        lag(measure_count) over (
            partition by measure_code, area_type, area_code order by period_month
        ) as previous_month_count,
        lag(period_month) over (
            partition by measure_code, area_type, area_code order by period_month
        ) as previous_month
    from monthly

),

with_previous as (

    select
        * exclude (previous_month_count, previous_month),
        -- the spine is contiguous; guard anyway so a gap never compares non-adjacent months
        case
            when previous_month = period_month - interval 1 month then previous_month_count
        end as previous_month_count
    from with_ytd

),

with_last_year as (

    select
        this_year.*,
        last_year.ytd_count as ytd_count_last_year
    from with_previous as this_year
    left join with_previous as last_year
        on last_year.measure_code = this_year.measure_code
       and last_year.area_type = this_year.area_type
       and last_year.area_code = this_year.area_code
       and last_year.period_month = this_year.period_month - interval 12 month

),

-- Denominator: the mid-year estimate of the calendar year the month falls in; when that
-- year is not in the seed, the latest earlier year, else the earliest later year.
denominators as (

    select
        with_last_year.measure_code,
        with_last_year.area_type,
        with_last_year.area_code,
        with_last_year.period_month,
        case measures.rate_denominator
            when 'population' then population.population
            when 'households' then population.households
        end as denominator,
        population.year as denominator_year
    from with_last_year
    inner join measures
        on measures.measure_code = with_last_year.measure_code
    inner join population
        on population.area_code = with_last_year.area_code
       and population.area_type = with_last_year.area_type
    where measures.rate_denominator is not null
    qualify row_number() over (
        partition by with_last_year.measure_code, with_last_year.area_type,
            with_last_year.area_code, with_last_year.period_month
        order by
            population.year > year(with_last_year.period_month),
            abs(population.year - year(with_last_year.period_month))
    ) = 1

),

final as (

    select
        w.measure_code::varchar as measure_code,
        measures.measure_name::varchar as measure_name,
        w.area_code::varchar as area_code,
        areas.area_name::varchar as area_name,
        w.area_type::varchar as area_type,
        w.period_month::date as period_month,
        {{ financial_year('w.period_month') }}::varchar as financial_year,
        w.measure_count::bigint as "count",
        denominators.denominator::bigint as denominator,
        (case
            when measures.rate_per is not null and measures.rate_denominator is not null
                then {{ rate_per('w.ytd_count', 'denominators.denominator', 'measures.rate_per') }}
            else w.measure_count
        end)::double as value,
        -- the unit of `value`: the rate's definition where the measure has a rate
        (case
            when measures.rate_per is not null and measures.rate_denominator is not null
                then 'per ' || format('{:,}', measures.rate_per) || ' ' || measures.rate_denominator
                    || ' (year to date)'
            else measures.unit
        end)::varchar as unit,
        measures.rate_per::integer as rate_per,
        denominators.denominator_year::integer as denominator_year,
        w.ytd_count::bigint as ytd_count,
        w.ytd_count_last_year::bigint as ytd_count_last_year,
        {{ pct_change('w.ytd_count', 'w.ytd_count_last_year') }}::double as ytd_change_pct,
        {{ direction('w.measure_count', 'w.previous_month_count') }}::varchar as direction,
        w.previous_month_count::bigint as previous_month_count,
        w.source::varchar as source,
        w.loaded_at::timestamp as loaded_at,
        cast(null as double) as target,
        cast(null as varchar) as rag,
        cast(null as varchar) as rag_reason,
        cast(null as double) as ci_lower,
        cast(null as double) as ci_upper,
        cast(null as varchar) as significance
    from with_last_year as w
    left join measures
        on measures.measure_code = w.measure_code
    left join areas
        on areas.area_code = w.area_code
       and areas.area_type = w.area_type
    left join denominators
        on denominators.measure_code = w.measure_code
       and denominators.area_type = w.area_type
       and denominators.area_code = w.area_code
       and denominators.period_month = w.period_month

)

select * from final
