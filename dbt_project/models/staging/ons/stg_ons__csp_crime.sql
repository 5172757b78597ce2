-- The Home Office table of police recorded crime by CSP (raw.ons_csp_crime), as published:
-- one row per financial year, quarter, CSP (by name) and offence code. A newer file for the
-- same quarter and CSP has already replaced the older one at load. Typing and renaming only:
-- the CSP's code and the measures its offences count into are int_peers__csp_measure_counts'.
with

source as (

    select * from {{ source('raw', 'ons_csp_crime') }}

),

renamed as (

    select
        -- lineage
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- the period: the quarter, named by its last month
        financial_year,
        financial_quarter,
        (make_date(cast(left(financial_year, 4) as integer), 4, 1)
            + to_months(3 * financial_quarter - 1))::date as period_month,

        -- the area, as published (by name)
        force_name,
        csp_name,

        -- the offence and its count
        offence_code,
        offence_description,
        offence_group,
        offence_subgroup,
        number_of_offences as offence_count

    from source

)

select * from renamed
