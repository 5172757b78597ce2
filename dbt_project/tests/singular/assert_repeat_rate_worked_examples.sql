-- Cumulative repeat rate (measures.md, "Repeat rates"): MARAC 2012/13 cases 16, 18, 21 and
-- repeats 0, 4, 2 -> 0.0%, 11.8% (4/34), 10.9% (6/55); DV 462, 505, 505 with repeats
-- 209, 235, 230 -> 45.2%, 45.9% (444/967), 45.8% (674/1,472).
with monthly (series, period_month, cases, repeats, expected) as (
    values
    ('marac', date '2012-04-01', 16, 0, 0.0),
    ('marac', date '2012-05-01', 18, 4, 4.0 / 34 * 100),
    ('marac', date '2012-06-01', 21, 2, 6.0 / 55 * 100),
    ('dv', date '2012-04-01', 462, 209, 209.0 / 462 * 100),
    ('dv', date '2012-05-01', 505, 235, 444.0 / 967 * 100),
    ('dv', date '2012-06-01', 505, 230, 674.0 / 1472 * 100)
),
computed as (
    select *, {{ cumulative_repeat_rate('repeats', 'cases', 'series', 'period_month') }} as actual
    from monthly
)
select * from computed
where actual is null or abs(actual - expected) > 1e-9
