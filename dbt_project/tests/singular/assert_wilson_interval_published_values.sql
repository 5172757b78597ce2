-- The 95% Wilson score interval (macro wilson_interval) against published values: Newcombe
-- (1998), "Two-sided confidence intervals for the single proportion", Statistics in
-- Medicine 17, table I, method 3 (score interval without continuity correction), given to 4
-- decimal places: 81/263, 15/148, 0/20, 1/29.
with published (successes, trials, lower_expected, upper_expected) as (
    values
    (81, 263, 25.53, 36.62),
    (15, 148, 6.24, 16.05),
    (0, 20, 0.0, 16.11),
    (1, 29, 0.61, 17.18)
),
computed as (
    select
        *,
        {{ wilson_interval('successes', 'trials', 'lower') }} as lower_actual,
        {{ wilson_interval('successes', 'trials', 'upper') }} as upper_actual
    from published
)
select * from computed
where lower_actual is null
   or upper_actual is null
   or abs(lower_actual - lower_expected) > 0.005
   or abs(upper_actual - upper_expected) > 0.005
