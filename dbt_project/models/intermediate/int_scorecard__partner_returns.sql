-- depends_on: {{ ref('measures') }}
-- The figures partners return on the spreadsheet template (source indicator_returns, method
-- partner_return): one row per partner_return measure of the catalogue × CSP × period of the
-- measure's period type (a month; a quarter or a year: period_month = its last month), from
-- the CSP's first returned quarter to the latest quarter any CSP returned, so a figure not
-- returned is "no data" (NULL), never 0. A percentage keeps its returned value beside its
-- numerator (count) and denominator; a count is its value. A newer return of a figure has
-- already replaced the older at load.
{%- set returned = [] %}
{%- for m in measure_catalogue() if m.method == 'partner_return' %}{% do returned.append(m) %}{% endfor %}
with

measures as (

    {%- if returned %}
    select * from (values
        {%- for m in returned %}
        ('{{ m.measure_code }}', '{{ m.unit }}', '{{ m.period_type }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t (measure_code, unit, period_type)
    {%- else %}
    select null::varchar as measure_code, null::varchar as unit, null::varchar as period_type
    where false
    {%- endif %}

),

returns as (

    select * from {{ ref('stg_partner__indicator_returns') }}

),

csp_span as (

    select csp_code, min(date_trunc('quarter', period_month))::date as first_month
    from returns
    group by csp_code

),

latest as (

    select max(date_trunc('quarter', period_month) + interval 2 month)::date as last_month
    from returns

),

csp_months as (

    select
        csp_span.csp_code,
        unnest(generate_series(csp_span.first_month, latest.last_month, interval 1 month))::date
            as period_month
    from csp_span
    cross join latest

),

spine as (

    -- each measure at its own periods: every month, a quarter's last month, or March
    select csp_months.csp_code, csp_months.period_month, measures.measure_code, measures.unit
    from csp_months
    inner join measures
        on measures.period_type = 'month'
        or (measures.period_type = 'quarter' and month(csp_months.period_month) % 3 = 0)
        or (measures.period_type = 'financial_year' and month(csp_months.period_month) = 3)

),

final as (

    select
        spine.measure_code,
        'csp' as area_type,
        spine.csp_code as area_code,
        spine.period_month,
        case when returns.return_key is not null then 'indicator_returns' end as source,
        (case
            when spine.unit = '%' then returns.numerator
            when spine.unit = 'count' then returns.value
        end)::bigint as measure_count,
        (case when spine.unit = '%' then returns.denominator end)::bigint as denominator_count,
        returns.value::double as returned_value,
        returns.loaded_at,
        returns.source_file
    from spine
    left join returns
        on returns.csp_code = spine.csp_code
       and returns.measure_code = spine.measure_code
       and returns.period_month = spine.period_month

)

select * from final
