-- Partners' spreadsheet returns (raw.indicator_returns): one row per CSP, indicator and period
-- returned (a newer return of the same CSP, indicator and period has already replaced the
-- older one at load). Typing and renaming only: the period's text is read as its period type
-- and last month by the contract's rule (ingest/contracts/indicator_returns.py).
with

source as (

    select * from {{ source('raw', 'indicator_returns') }}

),

renamed as (

    select
        -- keys and lineage
        md5(csp_code || '|' || indicator_code || '|' || trim(period)) as return_key,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- what was returned
        csp_code,
        indicator_code as measure_code,
        indicator_name as returned_indicator_name,
        unit as returned_unit,
        trim(period) as period_label,
        case
            when regexp_full_match(trim(period), '[0-9]{4}-[0-9]{2}') then 'month'
            when regexp_full_match(trim(period), '[0-9]{4}/[0-9]{2} Q[1-4]') then 'quarter'
            when regexp_full_match(trim(period), '[0-9]{4}/[0-9]{2}') then 'financial_year'
        end as period_type,
        -- the period's last month (first day): a quarter's June, September, December or
        -- March, a financial year's March
        case
            when regexp_full_match(trim(period), '[0-9]{4}-[0-9]{2}')
                then strptime(trim(period) || '-01', '%Y-%m-%d')::date
            when regexp_full_match(trim(period), '[0-9]{4}/[0-9]{2} Q[1-4]')
                then make_date(
                    substr(period, 1, 4)::integer + (right(trim(period), 1) = '4')::integer,
                    (3 * right(trim(period), 1)::integer + 2) % 12 + 1, 1)
            when regexp_full_match(trim(period), '[0-9]{4}/[0-9]{2}')
                then make_date(substr(period, 1, 4)::integer + 1, 3, 1)
        end as period_month,
        value,
        numerator,
        denominator,
        note,
        submitted_by

    from source

)

select * from renamed
