{{ config(
    materialized='incremental',
    incremental_strategy='replace_from_month',
    incremental_inputs=['int_scorecard__monthly', 'int_scorecard__published'],
    on_schema_change='fail',
    post_hook="{{ record_incremental_from_state() }}",
) }}
-- Incremental from the earliest changed month (macros/incremental_from_month.sql): a month's
-- figures read its FY to date, last year's FY and the previous period, so a run recomputes
-- the months from the earliest month whose counts (or publish history) changed, reading the
-- counts from the start of the FY before it; a new month of data recomputes one month.
-- The scorecard's figures before judgement: one row per measure × area × period (Fingertips'
-- indicator export plus the CSP columns). Counts come from each domain's monthly model; every
-- other figure is computed here with the macros of spec/measures.md, and the measure's name,
-- order, period type, unit and rate from the catalogue (dim_measure, i.e. seeds/measures.csv).
-- The scorecard mart adds the judgement (targets, RAG, significance) to these rows.
with

monthly as (

    select * from {{ ref('int_scorecard__monthly') }}
    where {{ incremental_from_where('period_month', fy_back=1) }}

),

measures as (

    select * from {{ ref('dim_measure') }}

),

areas as (

    select area_code, area_type, area_name from {{ ref('dim_area') }}

),

published as (

    select * from {{ ref('int_scorecard__published') }}
    where {{ incremental_from_where('period_month') }}

),

population as (

    select area_code, area_type, year, population, households from {{ ref('population') }}

),

definitions as (

    select * from {{ ref('dim_measure_definition') }}

),

-- A figure of a whole financial year (period_type financial_year, e.g. NDTMS's reporting
-- years) is its own year to date, and so is a level (method stock: the IOM cohort at the
-- quarter's end; seed 000's YTD column gives the latest level, never a sum of levels); a
-- monthly figure's year to date sums April to its month, a quarterly one the year's
-- quarters to its quarter.
with_ytd as (

    select
        monthly.*,
        {%- for column, ytd in [('measure_count', 'ytd_count'), ('denominator_count', 'ytd_denominator_count')] %}
        case
            when measures.period_type = 'financial_year' or measures.method = 'stock'
                then monthly.{{ column }}
            when measures.period_type = 'quarter'
                then {{ ytd_complete('monthly.' ~ column, 'monthly.measure_code, monthly.area_type, monthly.area_code', 'monthly.period_month', 3) }}
            else {{ ytd_complete('monthly.' ~ column, 'monthly.measure_code, monthly.area_type, monthly.area_code', 'monthly.period_month') }}
        end as {{ ytd }},
        {%- endfor %}
        -- the file loaded last among the FY's months to date: the one that made a YTD figure
        arg_max(monthly.source_file, monthly.loaded_at) over (
            partition by monthly.measure_code, monthly.area_type, monthly.area_code,
                {{ fy_start_year('monthly.period_month') }}
            order by monthly.period_month
            rows between unbounded preceding and current row
        ) as ytd_source_file
    from monthly
    inner join measures
        on measures.measure_code = monthly.measure_code

),

-- Rate denominator: the ONS mid-year estimate of the year the month's financial year starts
-- in (FY 2018/19, January 2019 included, uses mid-2018), as ONS's published crime rates do,
-- so a rate never jumps at January; a year outside the series takes the nearest year (the
-- earlier of two equally near), and denominator_year says which year was used.
denominators as (

    select
        with_ytd.measure_code,
        with_ytd.area_type,
        with_ytd.area_code,
        with_ytd.period_month,
        case measures.rate_denominator
            {%- for name, column in measure_rate_denominators().items() %}
            when '{{ name }}' then population.{{ column }}
            {%- endfor %}
        end as denominator,
        population.year as denominator_year
    from with_ytd
    inner join measures
        on measures.measure_code = with_ytd.measure_code
    inner join population
        on population.area_code = with_ytd.area_code
       and population.area_type = with_ytd.area_type
    where measures.rate_denominator is not null
      and measures.rate_per is not null
    qualify row_number() over (
        partition by with_ytd.measure_code, with_ytd.area_type,
            with_ytd.area_code, with_ytd.period_month
        order by
            abs(population.year - {{ fy_start_year('with_ytd.period_month') }}),
            population.year
    ) = 1

),

-- A proportion follows Fingertips' indicator export: count = the YTD numerator, denominator
-- = the YTD denominator, value = 100 × count / denominator (the cumulative rate of
-- measures.md) with its 95% Wilson score interval. A change (change, ytd_change): count =
-- the numerator, denominator = the comparison (the same cohort a year before), value = the
-- % change between them, for the period or from 1 April. People counted once in the year
-- (distinct_ytd): count = value = the distinct people from 1 April. A count: count = the
-- month's count, value = the YTD rate per rate_per of the population where the measure has
-- a rate, else the month's count.
valued as (

    select
        w.*,
        coalesce(measures.method = 'ytd_proportion', false) as is_proportion,
        -- a partner's returned % moves with its value too, never read as a % change of
        -- its numerator
        coalesce(measures.method in ('change', 'ytd_change')
            or (measures.method = 'partner_return' and measures.unit = '%'), false) as is_change,
        case
            when measures.method in ('ytd_proportion', 'distinct_ytd', 'ytd_change') then w.ytd_count
            else w.measure_count
        end as count_value,
        case
            when measures.method in ('ytd_proportion', 'ytd_change') then w.ytd_denominator_count
            when measures.method in ('change', 'partner_return') then w.denominator_count
            else denominators.denominator
        end as denominator,
        denominators.denominator_year,
        case
            -- a partner's return: the value as returned (a % as the partner computed it)
            when measures.method = 'partner_return' then w.returned_value
            when measures.method = 'ytd_proportion'
                then {{ rate_per('w.ytd_count', 'w.ytd_denominator_count', 100) }}
            when measures.method = 'change' then {{ pct_change('w.measure_count', 'w.denominator_count') }}
            when measures.method = 'ytd_change' then {{ pct_change('w.ytd_count', 'w.ytd_denominator_count') }}
            when measures.rate_per is not null and measures.rate_denominator is not null
                then {{ rate_per('w.ytd_count', 'denominators.denominator', 'measures.rate_per') }}
            when measures.method = 'distinct_ytd' then w.ytd_count
            else w.measure_count
        end as value,
        -- months from one figure to the one before it: a month, a quarter or a year
        case measures.period_type when 'financial_year' then 12 when 'quarter' then 3 else 1 end
            as months_per_period,
        -- the definition in force for the period (dim_measure_definition): a change of
        -- definition shows from its date, never as a silent jump
        definitions.numerator_definition,
        definitions.denominator_definition,
        definitions.valid_from as definition_valid_from,
        definitions.definition_number
    from with_ytd as w
    inner join measures
        on measures.measure_code = w.measure_code
    left join denominators
        on denominators.measure_code = w.measure_code
       and denominators.area_type = w.area_type
       and denominators.area_code = w.area_code
       and denominators.period_month = w.period_month
    left join definitions
        on definitions.measure_code = w.measure_code
       and (definitions.valid_from is null or definitions.valid_from <= w.period_month)
       and (definitions.valid_to is null or w.period_month < definitions.valid_to)

),

with_previous as (

    -- the previous period (month, or year for a yearly figure) counted by the same
    -- definition: figures of two definitions are not compared; the spine is contiguous,
    -- guard anyway so a gap never compares non-adjacent periods
    select
        *,
        case
            when lag(period_month) over w = period_month - to_months(months_per_period)
             and lag(definition_number) over w is not distinct from definition_number
                then lag(count_value) over w
        end as previous_month_count,
        case
            when lag(period_month) over w = period_month - to_months(months_per_period)
             and lag(definition_number) over w is not distinct from definition_number
                then lag(value) over w
        end as previous_month_value
    from valued
    window w as (partition by measure_code, area_type, area_code order by period_month)

),

with_last_year as (

    select
        this_year.*,
        last_year.value as value_last_year,
        last_year.ytd_count as ytd_count_last_year,
        last_year.ytd_denominator_count as ytd_denominator_count_last_year
    from with_previous as this_year
    left join with_previous as last_year
        on last_year.measure_code = this_year.measure_code
       and last_year.area_type = this_year.area_type
       and last_year.area_code = this_year.area_code
       and last_year.period_month = this_year.period_month - interval 12 month
       -- last year's figure only when counted by the same definition
       and last_year.definition_number is not distinct from this_year.definition_number

),

final as (

    select
        w.measure_code::varchar as measure_code,
        measures.measure_name::varchar as measure_name,
        measures.domain::varchar as domain,
        measures.display_order::integer as display_order,
        w.area_code::varchar as area_code,
        areas.area_name::varchar as area_name,
        w.area_type::varchar as area_type,
        measures.period_type::varchar as period_type,
        w.period_month::date as period_month,
        {{ financial_year('w.period_month') }}::varchar as financial_year,
        w.count_value::bigint as "count",
        w.denominator::bigint as denominator,
        w.value::double as value,
        -- the unit of `value`: the rate's definition where the measure has a rate
        (case
            when measures.rate_per is not null and measures.rate_denominator is not null
                then 'per ' || format('{:,}', measures.rate_per) || ' ' || measures.rate_denominator
                    || ' (year to date)'
            else measures.unit
        end)::varchar as unit,
        measures.rate_per::integer as rate_per,
        w.denominator_year::integer as denominator_year,
        w.value_last_year::double as value_last_year,
        w.ytd_count::bigint as ytd_count,
        w.ytd_count_last_year::bigint as ytd_count_last_year,
        -- a proportion's change is read in points (value against value_last_year), not as a
        -- % change of its numerator; a change measure's value is already one
        (case
            when not w.is_proportion and not w.is_change
                then {{ pct_change('w.ytd_count', 'w.ytd_count_last_year') }}
        end)::double as ytd_change_pct,
        -- a proportion or a change moves with its value, a count with the period's count
        (case
            when w.is_proportion or w.is_change then {{ direction('w.value', 'w.previous_month_value') }}
            else {{ direction('w.count_value', 'w.previous_month_count') }}
        end)::varchar as direction,
        w.previous_month_count::bigint as previous_month_count,
        w.source::varchar as source,
        w.loaded_at::timestamp as loaded_at,
        (case
            when w.is_proportion then {{ wilson_interval('w.ytd_count', 'w.ytd_denominator_count', 'lower') }}
        end)::double as ci_lower,
        (case
            when w.is_proportion then {{ wilson_interval('w.ytd_count', 'w.ytd_denominator_count', 'upper') }}
        end)::double as ci_upper,
        -- the figure as first published (the publish history outside the warehouse); a
        -- figure not published yet will be first reported as it is now, and its time is
        -- stamped by the publish that publishes it
        (case
            when w.count_value is not null
                then coalesce(published.first_reported_count, w.count_value)
        end)::bigint as first_reported_count,
        (case
            when w.count_value is not null then published.first_reported_at
        end)::timestamp as first_reported_at,
        coalesce(
            w.count_value is not null
            and published.first_reported_count is not null
            and published.first_reported_count != w.count_value,
            false
        )::boolean as is_restated,
        (case
            when w.count_value is null then null
            when w.is_proportion then w.ytd_source_file
            else w.source_file
        end)::varchar as source_file,
        w.numerator_definition::varchar as numerator_definition,
        w.denominator_definition::varchar as denominator_definition,
        w.definition_valid_from::date as definition_valid_from,
        w.definition_number::integer as definition_number,
        -- what the judgement (the scorecard mart) reads besides the published columns
        measures.method::varchar as method,
        measures.higher_is_better::boolean as higher_is_better,
        w.is_proportion::boolean as is_proportion,
        w.is_change::boolean as is_change,
        -- a flow counted through the year (not a %, a level or a change): its year to date
        -- sums, its outturn can be projected, its change is a ratio of two counts
        coalesce(measures.unit != '%' and measures.method not in ('stock', 'change', 'ytd_change'), false)::boolean
            as is_count,
        w.months_per_period::integer as months_per_period,
        w.ytd_denominator_count::bigint as ytd_denominator_count,
        w.ytd_denominator_count_last_year::bigint as ytd_denominator_count_last_year
    from with_last_year as w
    inner join measures
        on measures.measure_code = w.measure_code
    left join areas
        on areas.area_code = w.area_code
       and areas.area_type = w.area_type
    left join published
        on published.measure_code = w.measure_code
       and published.area_type = w.area_type
       and published.area_code = w.area_code
       and published.period_month = w.period_month

)

select * from final
where {{ incremental_from_where('period_month') }}
