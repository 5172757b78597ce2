{{ config(
    materialized='incremental',
    incremental_strategy='replace_from_month',
    incremental_inputs=['int_scorecard__values'],
    incremental_lookups=['int_scorecard__change_intervals'],
    incremental_fingerprint=exact_interval_method(),
    on_schema_change='fail',
    post_hook="{{ record_incremental_from_state() }}",
) }}
-- Incremental from the earliest changed month (macros/incremental_from_month.sql): a
-- period's judgement reads its own figures, the outturns of earlier FYs (every March row is
-- read) and the targets register; the intervals are a lookup by pair whose rows never change
-- under one method (exact_interval_method(), in the fingerprint).
-- The long-format scorecard: the figures of int_scorecard__values (one row per measure ×
-- area × period) with their judgement: the projected outturn of a count, the target of the
-- register (int_targets__register) and its baseline, the RAG status and the sentence behind
-- it, and the 95% interval and significance of the change against last year. Every
-- computation is a macro (macros/judgement.sql, macros/significance.sql, macros/measures.sql).
with

figures as (

    select
        *,
        {{ fy_start_year('period_month') }} as fy_start_year,
        {{ fy_month_number('period_month') }} as months_elapsed
    from {{ ref('int_scorecard__values') }}

),

-- the periods this run judges (all of them on a full build)
scored as (

    select * from figures
    where {{ incremental_from_where('period_month') }}

),

register as (

    select * from {{ ref('int_targets__register') }}

),

exact_intervals as (

    select * from {{ ref('int_scorecard__change_intervals') }}

),

-- the figure each FY ended on (its March row): a count's year total (NULL unless every
-- period of the year was in), otherwise the value (a proportion's rate for the year, a
-- level, a change)
outturns as (

    select
        measure_code,
        area_type,
        area_code,
        fy_start_year,
        case when is_count then ytd_count else value end as outturn
    from figures
    where months_elapsed = 12

),

projected as (

    select
        scored.*,
        last_fy.outturn as last_fy_outturn,
        case when scored.is_count then
            {{ projected_outturn('scored.ytd_count', 'scored.months_elapsed', 'last_fy.outturn', 'scored.ytd_count_last_year') }}
        end as projected_outturn,
        case when scored.is_count then
            {{ projection_method('scored.ytd_count', 'scored.months_elapsed', 'last_fy.outturn', 'scored.ytd_count_last_year') }}
        end as projection_method
    from scored
    left join outturns as last_fy
        on last_fy.measure_code = scored.measure_code
       and last_fy.area_type = scored.area_type
       and last_fy.area_code = scored.area_code
       and last_fy.fy_start_year = scored.fy_start_year - 1

),

-- each target's baseline from the data: the outturn of the baseline's last FY
-- (previous_fy), or the mean of it and the two FYs before (mean_3fy), only when every one
-- of those years is complete
baselines as (

    select
        register.measure_code,
        register.area_type,
        register.area_code,
        register.fy_start_year,
        case register.baseline_method
            when 'previous_fy' then max(outturns.outturn)
            when 'mean_3fy' then case when count(outturns.outturn) = 3 then avg(outturns.outturn) end
        end as data_baseline
    from register
    left join outturns
        on outturns.measure_code = register.measure_code
       and outturns.area_type = register.area_type
       and outturns.area_code = register.area_code
       and outturns.fy_start_year
           between register.baseline_fy_start_year - (case register.baseline_method when 'mean_3fy' then 2 else 0 end)
               and register.baseline_fy_start_year
    group by
        register.measure_code, register.area_type, register.area_code,
        register.fy_start_year, register.baseline_method

),

targeted as (

    select
        projected.*,
        register.target_type,
        register.target_value,
        register.baseline_method,
        register.baseline_fy_start_year,
        register.is_percent,
        register.higher_is_on_course,
        register.tolerance as register_tolerance,
        coalesce(register.typed_baseline, baselines.data_baseline) as baseline,
        case
            when register.typed_baseline is not null then 'register'
            when baselines.data_baseline is not null then 'data'
        end as baseline_source,
        -- the figure judged: better_than_last_year compares the year to date with last
        -- year's at the same point; other count targets the projected outturn; a %, a level
        -- or a change its value
        case
            when register.target_type is null then null
            when register.target_type = 'better_than_last_year'
                then case when projected.is_count then projected.ytd_count::double else projected.value end
            when projected.is_count then projected.projected_outturn
            else projected.value
        end as judged_value
    from projected
    left join register
        on register.measure_code = projected.measure_code
       and register.area_type = projected.area_type
       and register.area_code = projected.area_code
       and register.fy_start_year = projected.fy_start_year
    left join baselines
        on baselines.measure_code = projected.measure_code
       and baselines.area_type = projected.area_type
       and baselines.area_code = projected.area_code
       and baselines.fy_start_year = projected.fy_start_year

),

with_target as (

    select
        *,
        {{ target_threshold('target_type', 'target_value', 'baseline',
            'case when is_count then ytd_count_last_year else value_last_year end') }} as target
    from targeted

),

rated as (

    select
        *,
        -- the tolerance in the judged figure's unit: points for a %, else % of the target
        case when is_percent then register_tolerance else abs(target) * register_tolerance / 100 end
            as tolerance_abs,
        judged_value - target as distance_from_target,
        case when not is_percent then {{ pct_change('judged_value', 'baseline') }} end
            as change_vs_baseline_pct,
        case when is_percent then judged_value - baseline end as change_vs_baseline_points
    from with_target

),

judged as (

    select
        *,
        {{ rag_status('target_type', 'judged_value', 'target', 'tolerance_abs', 'higher_is_on_course') }} as rag
    from rated

),

-- The sentence behind the status, as a manager reads it: "Projected 12,650 against a target
-- of at most 12,083 (3-year average baseline 13,425 −10%): Red"
explained as (

    select
        *,
        case
            when target_type is null then null
            when judged_value is null then
                'No data for ' || strftime(period_month, '%B %Y') || ': no status'
            when target is null and target_type = 'better_than_last_year' then
                'No figure for the same point last year: no status'
            when target is null then
                'No baseline: '
                || case baseline_method
                    when 'mean_3fy' then 'the outturns of FY ' || {{ financial_year("make_date(baseline_fy_start_year - 2, 4, 1)") }}
                        || ' to ' || {{ financial_year("make_date(baseline_fy_start_year, 4, 1)") }} || ' are not all in the data'
                    else 'the outturn of FY ' || {{ financial_year("make_date(baseline_fy_start_year, 4, 1)") }} || ' is not in the data'
                  end
                || ' and the register types none: no status'
            else
                case
                    when target_type = 'better_than_last_year' and is_count then 'Year to date '
                    when target_type = 'better_than_last_year' then 'Year to date '
                    when is_count and months_elapsed = 12 then 'Outturn '
                    when is_count then 'Projected '
                    else ''
                end
                || {{ display_figure('judged_value', 'is_percent') }}
                || ' against '
                || case target_type
                    when 'reduce_by_pct' then 'a target of at most ' || {{ display_figure('target', 'is_percent') }}
                        || ' (' || case when baseline_source = 'register' then 'typed baseline '
                            when baseline_method = 'mean_3fy' then '3-year average baseline '
                            else 'previous-year baseline ' end
                        || {{ display_figure('baseline', 'is_percent') }} || ' −' || {{ display_number('target_value') }} || '%)'
                    when 'increase_by_pct' then 'a target of at least ' || {{ display_figure('target', 'is_percent') }}
                        || ' (' || case when baseline_source = 'register' then 'typed baseline '
                            when baseline_method = 'mean_3fy' then '3-year average baseline '
                            else 'previous-year baseline ' end
                        || {{ display_figure('baseline', 'is_percent') }} || ' +' || {{ display_number('target_value') }} || '%)'
                    when 'at_least' then 'a target of at least ' || {{ display_figure('target', 'is_percent') }}
                    when 'at_or_above' then 'a target of at least ' || {{ display_figure('target', 'is_percent') }}
                    when 'below' then 'a target of below ' || {{ display_figure('target', 'is_percent') }}
                    when 'better_than_last_year' then {{ display_figure('target', 'is_percent') }}
                        || ' at the same point last year (' || case when higher_is_on_course then 'higher' else 'lower' end
                        || ' is better)'
                  end
                || ': ' || rag
                || case when rag = 'Amber' then
                        ' (within the tolerance of '
                        || case when is_percent then {{ display_number('register_tolerance') }} || ' points'
                            else {{ display_number('register_tolerance') }} || '% of the target' end
                        || ')'
                    else '' end
        end as rag_reason
    from judged

),

-- The 95% interval of the year-to-date change against the same months last year. A count:
-- the exact conditional-binomial (Poisson ratio) interval for up to
-- exact_interval_max_trials() events, else the Wilson score interval of the same binomial,
-- as a % change. A proportion: Newcombe's interval of the difference, in points.
intervals as (

    select
        explained.*,
        case
            when explained.is_count and explained.ytd_count + explained.ytd_count_last_year > 0
                then coalesce(exact_intervals.p_lower, {{ wilson_bound('explained.ytd_count', 'explained.ytd_count + explained.ytd_count_last_year', 'lower') }})
        end as p_lower,
        case
            when explained.is_count and explained.ytd_count + explained.ytd_count_last_year > 0
                then coalesce(exact_intervals.p_upper, {{ wilson_bound('explained.ytd_count', 'explained.ytd_count + explained.ytd_count_last_year', 'upper') }})
        end as p_upper,
        case
            when explained.is_count and explained.ytd_count + explained.ytd_count_last_year > 0
                then case when exact_intervals.n is not null then 'exact conditional binomial (Poisson ratio)'
                    else 'Wilson score, conditional binomial (Poisson ratio)' end
            when explained.is_proportion and explained.ytd_denominator_count > 0
                and explained.ytd_denominator_count_last_year > 0
                then 'Newcombe hybrid score (difference of proportions)'
        end as significance_method
    from explained
    left join exact_intervals
        on exact_intervals.n = explained.ytd_count + explained.ytd_count_last_year
       and exact_intervals.x = explained.ytd_count

),

changes as (

    select
        *,
        case
            when is_count then {{ ratio_change_bound('p_lower') }}
            when is_proportion then {{ newcombe_difference_bound('ytd_count', 'ytd_denominator_count', 'ytd_count_last_year', 'ytd_denominator_count_last_year', 'lower') }}
        end as ytd_change_ci_lower,
        case
            when is_count then {{ ratio_change_bound('p_upper') }}
            when is_proportion then {{ newcombe_difference_bound('ytd_count', 'ytd_denominator_count', 'ytd_count_last_year', 'ytd_denominator_count_last_year', 'upper') }}
        end as ytd_change_ci_upper,
        -- the 95% interval of the judged figure, for the RAG comparison: a proportion's
        -- Wilson interval; a projected count's Poisson interval (Byar) of its year to date,
        -- scaled as the projection scales it
        case
            when target_type is null or target_type = 'better_than_last_year' then null
            when is_proportion and judged_value = value then ci_lower
            when is_count and ytd_count > 0
                then {{ poisson_byar_bound('ytd_count', 'lower') }} * judged_value / ytd_count
        end as judged_ci_lower,
        case
            when target_type is null or target_type = 'better_than_last_year' then null
            when is_proportion and judged_value = value then ci_upper
            when is_count and ytd_count > 0
                then {{ poisson_byar_bound('ytd_count', 'upper') }} * judged_value / ytd_count
        end as judged_ci_upper
    from intervals

),

final as (

    select
        measure_code::varchar as measure_code,
        measure_name::varchar as measure_name,
        domain::varchar as domain,
        display_order::integer as display_order,
        area_code::varchar as area_code,
        area_name::varchar as area_name,
        area_type::varchar as area_type,
        period_type::varchar as period_type,
        period_month::date as period_month,
        financial_year::varchar as financial_year,
        "count"::bigint as "count",
        denominator::bigint as denominator,
        value::double as value,
        unit::varchar as unit,
        rate_per::integer as rate_per,
        denominator_year::integer as denominator_year,
        value_last_year::double as value_last_year,
        ytd_count::bigint as ytd_count,
        ytd_count_last_year::bigint as ytd_count_last_year,
        ytd_change_pct::double as ytd_change_pct,
        direction::varchar as direction,
        previous_month_count::bigint as previous_month_count,
        source::varchar as source,
        loaded_at::timestamp as loaded_at,
        projected_outturn::double as projected_outturn,
        projection_method::varchar as projection_method,
        target_type::varchar as target_type,
        target::double as target,
        baseline::double as baseline,
        (case when target_type is not null then baseline_method end)::varchar as baseline_method,
        baseline_source::varchar as baseline_source,
        judged_value::double as judged_value,
        distance_from_target::double as distance_from_target,
        change_vs_baseline_pct::double as change_vs_baseline_pct,
        change_vs_baseline_points::double as change_vs_baseline_points,
        (case when target_type is not null then tolerance_abs end)::double as tolerance,
        rag::varchar as rag,
        rag_reason::varchar as rag_reason,
        ci_lower::double as ci_lower,
        ci_upper::double as ci_upper,
        ytd_change_ci_lower::double as ytd_change_ci_lower,
        ytd_change_ci_upper::double as ytd_change_ci_upper,
        {{ significance_label('ytd_change_ci_lower', 'ytd_change_ci_upper') }}::varchar as significance,
        significance_method::varchar as significance_method,
        -- is the distance between the judged figure and the target beyond chance? better than
        -- last year: the change's own significance; otherwise whether the target lies
        -- outside the judged figure's 95% interval
        (case
            when rag is null or rag = 'No data' then null
            when target_type = 'better_than_last_year'
                then case {{ significance_label('ytd_change_ci_lower', 'ytd_change_ci_upper') }}
                    when 'not significant' then 'not significant'
                    when 'significant increase' then 'significant'
                    when 'significant decrease' then 'significant'
                end
            when judged_ci_lower is null or judged_ci_upper is null then null
            when target between judged_ci_lower and judged_ci_upper then 'not significant'
            else 'significant'
        end)::varchar as rag_significance,
        first_reported_count::bigint as first_reported_count,
        first_reported_at::timestamp as first_reported_at,
        is_restated::boolean as is_restated,
        source_file::varchar as source_file,
        numerator_definition::varchar as numerator_definition,
        denominator_definition::varchar as denominator_definition,
        definition_valid_from::date as definition_valid_from,
        definition_number::integer as definition_number
    from changes

)

select * from final
