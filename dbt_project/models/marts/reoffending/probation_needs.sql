-- Criminogenic needs of probation's offenders (seed 000's "Criminogenic Needs of MK
-- Offenders"): per CSP, team, assessment type (initial, termination), OASys section (3-12)
-- and month, how many assessments the team made and how many found a need in the section,
-- with the share and its 95% Wilson interval, for the month and from 1 April. Teams are as
-- the partner names them. Every team of the CSP has a row in every month its files cover
-- (0 assessments: no share), so a month without assessments is not a gap.
with

events as (

    select * from {{ ref('stg_probation__events') }}

),

sections as (

    select * from (values
        (3, 'Accommodation'),
        (4, 'Education, training and employability'),
        (5, 'Financial management and income'),
        (6, 'Relationships'),
        (7, 'Lifestyle and associates'),
        (8, 'Drug misuse'),
        (9, 'Alcohol misuse'),
        (10, 'Emotional well-being'),
        (11, 'Thinking and behaviour'),
        (12, 'Attitudes')
    ) as t (need_section, need_section_name)

),

-- one row per assessment and section, with whether it found the need
needs as (

    select csp_code, team, event_type, event_month as period_month,
        need.section as need_section, need.found
    from events,
        unnest([
            {%- for s in range(3, 13) %}
            {'section': {{ s }}, 'found': need_section_{{ s }}}{{ ',' if not loop.last }}
            {%- endfor %}
        ]) as t (need)

),

months as (

    select csp_code, event_month as period_month, max(loaded_at) as loaded_at
    from events
    group by all

),

spine as (

    select months.csp_code, months.period_month, months.loaded_at, teams.team,
        event_types.event_type, sections.need_section, sections.need_section_name
    from months
    inner join (select distinct csp_code, team from events) as teams
        on teams.csp_code = months.csp_code
    cross join (values ('initial'), ('termination')) as event_types (event_type)
    cross join sections

),

counted as (

    select csp_code, team, event_type, period_month, need_section,
        count(*) as assessments,
        count(*) filter (where found) as with_need
    from needs
    group by all

),

monthly as (

    select
        spine.*,
        coalesce(counted.assessments, 0) as assessments,
        coalesce(counted.with_need, 0) as with_need
    from spine
    left join counted
        on counted.csp_code = spine.csp_code
       and counted.team = spine.team
       and counted.event_type = spine.event_type
       and counted.period_month = spine.period_month
       and counted.need_section = spine.need_section

),

with_ytd as (

    select
        *,
        {{ ytd_sum('assessments', 'csp_code, team, event_type, need_section', 'period_month') }}
            as ytd_assessments,
        {{ ytd_sum('with_need', 'csp_code, team, event_type, need_section', 'period_month') }}
            as ytd_with_need
    from monthly

)

select
    'csp'::varchar as area_type,
    w.csp_code::varchar as area_code,
    areas.area_name::varchar as area_name,
    w.team::varchar as team,
    w.event_type::varchar as event_type,
    w.need_section::integer as need_section,
    w.need_section_name::varchar as need_section_name,
    w.period_month::date as period_month,
    {{ financial_year('w.period_month') }}::varchar as financial_year,
    w.assessments::bigint as assessments,
    w.with_need::bigint as with_need,
    {{ rate_per('w.with_need', 'w.assessments', 100) }}::double as need_pct,
    {{ wilson_interval('w.with_need', 'w.assessments', 'lower') }}::double as need_ci_lower,
    {{ wilson_interval('w.with_need', 'w.assessments', 'upper') }}::double as need_ci_upper,
    w.ytd_assessments::bigint as ytd_assessments,
    w.ytd_with_need::bigint as ytd_with_need,
    {{ rate_per('w.ytd_with_need', 'w.ytd_assessments', 100) }}::double as ytd_need_pct,
    {{ wilson_interval('w.ytd_with_need', 'w.ytd_assessments', 'lower') }}::double as ytd_need_ci_lower,
    {{ wilson_interval('w.ytd_with_need', 'w.ytd_assessments', 'upper') }}::double as ytd_need_ci_upper,
    w.loaded_at::timestamp as loaded_at
from with_ytd as w
left join {{ ref('dim_area') }} as areas
    on areas.area_type = 'csp'
   and areas.area_code = w.csp_code
