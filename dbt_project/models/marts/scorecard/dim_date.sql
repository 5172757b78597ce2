-- Month grain calendar with financial year (April start), FY quarter and FY month.
-- Covers the FY before the first month of data (var csp_dim_date_lead_months) to the end
-- of the FY of the last month of data; the current FY when there is no data yet.
with

data_months as (

    -- every domain's months (the spine of the scorecard; a month with no data is on it too)
    select period_month from {{ ref('int_scorecard__monthly') }}

),

bounds as (

    select
        {{ fy_start('coalesce(min(period_month), current_date)') }}
            - to_months({{ var('csp_dim_date_lead_months', 12) }}) as first_month,
        {{ fy_start('coalesce(max(period_month), current_date)') }}
            + interval 11 month as last_month
    from data_months

),

months as (

    select unnest(generate_series(first_month, last_month, interval 1 month))::date as period_month
    from bounds

),

final as (

    select
        period_month,
        last_day(period_month) as month_end,
        year(period_month)::integer as calendar_year,
        month(period_month)::integer as calendar_month,
        strftime(period_month, '%B') as month_name,
        strftime(period_month, '%Y-%m') as period_label,
        {{ financial_year('period_month') }} as financial_year,
        {{ fy_start_year('period_month') }}::integer as fy_start_year,
        {{ fy_start('period_month') }} as fy_start_date,
        {{ fy_quarter('period_month') }} as fy_quarter,
        {{ fy_month_number('period_month') }}::integer as fy_month_number
    from months

)

select * from final
