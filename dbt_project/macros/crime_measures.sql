{#- The crime measures of measure-catalogue.md that the scorecard carries, and how each is
    counted. `flag` is a boolean column of int_crime__unioned (or int_asb__police_incidents);
    `basis` says which raw source must have data for the month:
      any      = police_crime where the force has it for the month, else police_street
      recorded = police_crime only (needs fields police_street lacks)
      asb      = police_street ASB rows -#}
{% macro crime_measures() %}
    {{ return([
        {'code': 'all_crime',                     'flag': 'is_all_crime',                'basis': 'any'},
        {'code': 'sac',                           'flag': 'is_sac',                      'basis': 'recorded'},
        {'code': 'domestic_burglary',             'flag': 'is_domestic_burglary',        'basis': 'recorded'},
        {'code': 'vehicle_crime',                 'flag': 'is_vehicle_crime',            'basis': 'recorded'},
        {'code': 'public_place_violence',         'flag': 'is_public_place_violence',    'basis': 'recorded'},
        {'code': 'robbery_personal',              'flag': 'is_robbery_personal',         'basis': 'recorded'},
        {'code': 'violence_with_injury',          'flag': 'is_violence_with_injury',     'basis': 'recorded'},
        {'code': 'violence_without_injury',       'flag': 'is_violence_without_injury',  'basis': 'recorded'},
        {'code': 'criminal_damage',               'flag': 'is_criminal_damage',          'basis': 'recorded'},
        {'code': 'hate_crime_total',              'flag': 'is_hate_crime',               'basis': 'recorded'},
        {'code': 'hate_crime_race',               'flag': 'is_hate_race',                'basis': 'recorded'},
        {'code': 'hate_crime_religion',           'flag': 'is_hate_religion',            'basis': 'recorded'},
        {'code': 'hate_crime_disability',         'flag': 'is_hate_disability',          'basis': 'recorded'},
        {'code': 'hate_crime_sexual_orientation', 'flag': 'is_hate_sexual_orientation',  'basis': 'recorded'},
        {'code': 'hate_crime_transgender',        'flag': 'is_hate_transgender',         'basis': 'recorded'},
        {'code': 'asb_police',                    'flag': 'is_asb',                      'basis': 'asb'},
    ]) }}
{% endmacro %}

{% macro crime_measure_codes() %}
    {%- set codes = [] -%}
    {%- for m in crime_measures() -%}{%- do codes.append(m['code']) -%}{%- endfor -%}
    {{ return(codes) }}
{% endmacro %}

{#- One row per counted event per crime measure (a crime or ASB incident counted by the
    measure's flag): measure_code, period_month, force_code, lsoa_code, csp_code, source.
    Shared by int_scorecard__crime_monthly (CSP / force counts) and crime_by_lsoa_month
    (LSOA counts), so both count exactly the same events. -#}
{% macro crime_measure_events() %}
    {%- for m in crime_measures() %}
    select
        '{{ m.code }}' as measure_code,
        period_month,
        force_code,
        lsoa_code,
        csp_code,
        source
    from {{ ref('int_asb__police_incidents') if m.basis == 'asb' else ref('int_crime__unioned') }}
    where {{ m.flag }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{% endmacro %}
