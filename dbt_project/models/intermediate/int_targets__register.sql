-- The targets register (seeds/targets.csv, checked row by row before the build by
-- validate_targets_register), typed and joined to the catalogue: which way is on course,
-- what figure is judged, and the tolerance with its default filled in.
with

register as (

    select * from {{ ref('targets') }}

),

measures as (

    select measure_code, unit, higher_is_better from {{ ref('dim_measure') }}

),

typed as (

    select
        register.measure_code,
        register.area_type,
        register.area_code,
        register.financial_year,
        left(register.financial_year, 4)::integer as fy_start_year,
        register.target_type,
        register.target_value,
        nullif(register.baseline_method, '') as baseline_method,
        -- the last FY of the baseline: the year before the target's unless the plan fixed it
        coalesce(left(nullif(register.baseline_fy, ''), 4)::integer, left(register.financial_year, 4)::integer - 1)
            as baseline_fy_start_year,
        register.baseline_value as typed_baseline,
        measures.unit = '%' as is_percent,
        -- which way is on course: the type's, or for better_than_last_year the measure's
        case register.target_type
            {%- for name, type in targets_register_types().items() %}
            when '{{ name }}' then {{ "measures.higher_is_better" if type.better == 'measure' else ("true" if type.better == 'higher' else "false") }}
            {%- endfor %}
        end as higher_is_on_course,
        coalesce(
            register.tolerance,
            case when measures.unit = '%' then {{ targets_register_default_tolerance(true) }}
                else {{ targets_register_default_tolerance(false) }} end
        ) as tolerance,
        register.tolerance is null as is_default_tolerance,
        register.note
    from register
    inner join measures
        on measures.measure_code = register.measure_code

)

select * from typed
