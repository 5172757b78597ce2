{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_intervals_of_other_methods() }}",
) }}
-- The exact 95% interval of every year-to-date change of a count the scorecard carries, by
-- the pair it compares: a count this FY (x) against the same months last FY (n − x). Given
-- their sum n, x is binomial with p = this year's rate / (both years' rates) (the conditional
-- binomial of two Poisson counts), so the Clopper-Pearson interval of p is the exact interval
-- of the rate ratio p / (1 − p). Computed once per distinct pair up to
-- exact_interval_max_trials(); the scorecard uses the Wilson score interval above that.
-- Incremental: a pair's interval depends on (n, x) and the method alone, so a run computes
-- only the pairs not yet in the table (a national history has some 50,000, a new month adds a
-- few hundred); rows of another method (alpha, bisection steps, max n) are deleted first.
with

pairs as (

    select distinct
        ytd_count + ytd_count_last_year as n,
        ytd_count as x
    from {{ ref('int_scorecard__values') }}
    where is_count
      and ytd_count is not null
      and ytd_count_last_year is not null
      and ytd_count + ytd_count_last_year between 1 and {{ exact_interval_max_trials() }}

),

new_pairs as (

    select pairs.n, pairs.x
    from pairs
    {% if is_incremental() -%}
    anti join {{ this }} as known
        on known.n = pairs.n and known.x = pairs.x
    {%- endif %}

),

{{ binomial_exact_bounds('new_pairs') }}

select
    n::integer as n,
    x::integer as x,
    p_lower::double as p_lower,
    p_upper::double as p_upper,
    '{{ exact_interval_method() }}' as method
from binomial_bounds
