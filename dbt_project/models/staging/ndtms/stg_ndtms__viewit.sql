-- OHID's NDTMS ViewIt export as published (raw.ndtms_viewit): one row per reporting year,
-- area, sex, age group and drug group. Typing and renaming only, and one normalisation: the
-- file writes its total rows `Total` in most years and `TOTAL` in others, so sex, age group
-- and drug group are lower-cased (`= 'total'` finds every total row).
with

source as (

    select * from {{ source('raw', 'ndtms_viewit') }}

),

renamed as (

    select
        -- keys and lineage
        md5(concat_ws('|', area, reporting_period, lower(sex), lower(age_group),
            lower(drug_group))) as viewit_row_key,
        _source_file as source_file,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _row_number as row_number,
        _loaded_at as loaded_at,

        -- period and place
        reporting_period as reporting_year,
        make_date(cast(left(reporting_period, 4) as integer) + 1, 3, 1) as period_month,
        area as area_name,

        -- the breakdown
        lower(sex) as sex,
        lower(age_group) as age_group,
        lower(drug_group) as drug_group,

        -- the published figures (rounded to 5; NULL where ViewIt publishes none)
        intreatment_allintx as in_treatment,
        newpresentation_newtx as new_presentations,
        exits_successfulcompletion_allintx as exits_successful_completion,
        exits_died_allintx as exits_died,
        exits_droppedout_allintx as exits_dropped_out,
        exits_movedaway_allintx as exits_moved_away,
        exits_noappropriatetreatment_allintx as exits_no_appropriate_treatment,
        exits_notknown_allintx as exits_not_known,
        exits_other_allintx as exits_other,
        exits_prison_allintx as exits_prison,
        exits_transferrednotincustody_allintx as exits_transferred_not_in_custody,
        exits_transferredincustody_allintx as exits_transferred_in_custody,
        exits_referredon_allintx as exits_referred_on,
        exits_treatmentdeclined_allintx as exits_treatment_declined,
        exits_treatmentwithdrawn_allintx as exits_treatment_withdrawn,
        exits_inconsistent_allintx as exits_inconsistent

    from source

)

select * from renamed
