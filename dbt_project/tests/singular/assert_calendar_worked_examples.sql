-- Financial year labels, FY quarters, FY month numbers and direction, from the macros.
with examples (d, fy, q, fy_month, fy_start) as (
    values
    (date '2012-04-01', '2012/13', 'Q1', 1, date '2012-04-01'),
    (date '2012-06-30', '2012/13', 'Q1', 3, date '2012-04-01'),
    (date '2012-07-01', '2012/13', 'Q2', 4, date '2012-04-01'),
    (date '2012-12-15', '2012/13', 'Q3', 9, date '2012-04-01'),
    (date '2013-01-01', '2012/13', 'Q4', 10, date '2012-04-01'),
    (date '2013-03-31', '2012/13', 'Q4', 12, date '2012-04-01'),
    (date '1999-05-01', '1999/00', 'Q1', 2, date '1999-04-01'),
    (date '2000-02-01', '1999/00', 'Q4', 11, date '1999-04-01')
),
calendar_failures as (
    select 'calendar' as check_name, d::varchar as example
    from examples
    where {{ financial_year('d') }} <> fy
       or {{ fy_quarter('d') }} <> q
       or {{ fy_month_number('d') }} <> fy_month
       or {{ fy_start('d') }} <> fy_start
),
directions (cur, prev, expected) as (
    values (7, 5, 'up'), (3, 5, 'down'), (5, 5, 'same'), (0, 0, 'same'),
           (5, null, null), (null, 5, null)
),
direction_failures as (
    select 'direction' as check_name, coalesce(cur::varchar, 'null') || ' vs ' || coalesce(prev::varchar, 'null') as example
    from directions
    where {{ direction('cur', 'prev') }} is distinct from expected
)
select * from calendar_failures
union all
select * from direction_failures
