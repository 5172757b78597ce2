{#- Significance of a change (measures.md, "Beyond the documents"): every change carries a 95%
    interval, and a change whose interval spans no change is "not significant". One macro per
    computation; the scorecard mart and int_scorecard__change_intervals call them. -#}

{% macro significance_alpha() -%}
    {#- Two-sided 95%: each tail holds 2.5%. -#}
    {{ return(0.025) }}
{%- endmacro %}

{% macro significance_z() -%}
    {{ return(1.959963984540054) }}
{%- endmacro %}

{% macro exact_interval_max_trials() -%}
    {#- The largest n (this year's count + last year's) whose interval is computed exactly
        (Clopper-Pearson, by bisection over the binomial's terms: the cost grows with n). Above
        it the Wilson score interval of the same conditional binomial is used: at 1,000 events
        its ends lie within 1 point of % change of the exact ones, within 0.5 near no change,
        where a label could turn (tests/integration/test_significance.py measures it). -#}
    {{ return(1000) }}
{%- endmacro %}

{% macro exact_interval_steps() -%}
    {#- Halvings of [0, 1] per bound: 2^-24, far below any displayed figure. -#}
    {{ return(24) }}
{%- endmacro %}

{% macro exact_interval_method() -%}
    {#- What an exact interval depends on besides (n, x): int_scorecard__change_intervals keeps
        the intervals it computed while this is unchanged. -#}
    {{ return('clopper-pearson alpha=' ~ significance_alpha() ~ ' steps='
        ~ exact_interval_steps() ~ ' max_n=' ~ exact_interval_max_trials()) }}
{%- endmacro %}

{% macro delete_intervals_of_other_methods() -%}
    {#- Pre-hook of int_scorecard__change_intervals on an incremental run: the intervals of
        another method go, so the run computes them again; a table made before the method
        was recorded is emptied to the model's columns (DuckDB would not add a column to a
        table the same transaction deleted from). -#}
    {%- if execute and is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if 'method' in columns -%}
        delete from {{ this }} where method is distinct from '{{ exact_interval_method() }}'
        {%- else -%}
        create or replace table {{ this }} (
            n integer, x integer, p_lower double, p_upper double, method varchar
        )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro binomial_exact_bounds(pairs, steps=none) -%}
    {#- The 95% Clopper-Pearson interval of a binomial proportion for every (n, x) of the
        relation `pairs` (columns n, x; 0 <= x <= n, n >= 1): a select of n, x, p_lower,
        p_upper. p_lower solves P(X >= x | p) = 2.5% (0 when x = 0), p_upper solves
        P(X <= x | p) = 2.5% (1 when x = n), each by `steps` halvings of [0, 1] (default
        exact_interval_steps()). The binomial's terms are summed in log space
        (lgamma), so no factorial overflows. Each step is a materialised CTE: DuckDB would
        otherwise inline the chain and repeat the work of every earlier step. Emits CTEs (the
        caller writes `with pairs as (...), {{ binomial_exact_bounds('pairs') }} select ...
        from binomial_bounds`). -#}
    {%- set a = significance_alpha() -%}
    {%- set steps = steps or exact_interval_steps() -%}
    {%- set mid_l = '((s.lo_l + s.hi_l) / 2)' -%}
    {%- set mid_u = '((s.lo_u + s.hi_u) / 2)' -%}
    exact_pairs as materialized (
        select distinct n::integer as n, x::integer as x from {{ pairs }}
    ),
    terms as materialized (
        select
            counts.n,
            k.range::integer as k,
            lgamma(counts.n + 1) - lgamma(k.range + 1) - lgamma(counts.n - k.range + 1) as log_choose
        from (select distinct n from exact_pairs) as counts,
            range(0, counts.n + 1) as k
    ),
    step_0 as materialized (
        select n, x, 0.0::double as lo_l, 1.0::double as hi_l, 0.0::double as lo_u, 1.0::double as hi_u
        from exact_pairs
    ),
    {%- for i in range(steps) %}
    step_{{ i + 1 }} as materialized (
        select
            s.n, s.x,
            -- P(X >= x | mid) below 2.5%: the lower bound is above mid
            case when tail_l < {{ a }} then {{ mid_l }} else s.lo_l end as lo_l,
            case when tail_l < {{ a }} then s.hi_l else {{ mid_l }} end as hi_l,
            -- P(X <= x | mid) above 2.5%: the upper bound is above mid
            case when cdf_u > {{ a }} then {{ mid_u }} else s.lo_u end as lo_u,
            case when cdf_u > {{ a }} then s.hi_u else {{ mid_u }} end as hi_u
        from step_{{ i }} as s
        inner join (
            select
                s.n, s.x,
                sum(case when t.k >= s.x then exp(t.log_choose + t.k * ln({{ mid_l }}) + (s.n - t.k) * ln(1 - {{ mid_l }})) else 0 end) as tail_l,
                sum(case when t.k <= s.x then exp(t.log_choose + t.k * ln({{ mid_u }}) + (s.n - t.k) * ln(1 - {{ mid_u }})) else 0 end) as cdf_u
            from step_{{ i }} as s
            inner join terms as t on t.n = s.n
            group by s.n, s.x
        ) as sums
            on sums.n = s.n and sums.x = s.x
    ),
    {%- endfor %}
    binomial_bounds as (
        select
            n,
            x,
            case when x = 0 then 0.0 else (lo_l + hi_l) / 2 end as p_lower,
            case when x = n then 1.0 else (lo_u + hi_u) / 2 end as p_upper
        from step_{{ steps }}
    )
{%- endmacro %}

{% macro wilson_bound(successes, trials, bound) -%}
    {#- The Wilson score bound as a proportion (0-1), from wilson_interval (which gives %). -#}
    ({{ wilson_interval(successes, trials, bound) }} / 100.0)
{%- endmacro %}

{% macro ratio_change_bound(p_bound) -%}
    {#- A bound of the conditional binomial's p = this / (this + last) turned into a bound of
        the % change of the Poisson rate (the same months of two years: equal exposure):
        ratio = p / (1 − p), change = (ratio − 1) × 100. NULL (unbounded) when p is 1. -#}
    (case
        when ({{ p_bound }}) is null or ({{ p_bound }}) >= 1 then null
        else (({{ p_bound }}) / (1 - ({{ p_bound }})) - 1) * 100
    end)
{%- endmacro %}

{% macro newcombe_difference_bound(x1, n1, x0, n0, bound) -%}
    {#- Newcombe's hybrid score interval (his method 10) of the difference of two independent
        proportions x1/n1 − x0/n0, in percentage points, built from each one's Wilson score
        interval. NULL when either denominator is 0 or missing. -#}
    {%- set p1 = '((' ~ x1 ~ ')::double / (' ~ n1 ~ ')::double)' -%}
    {%- set p0 = '((' ~ x0 ~ ')::double / (' ~ n0 ~ ')::double)' -%}
    {%- set l1 = wilson_bound(x1, n1, 'lower') -%}
    {%- set u1 = wilson_bound(x1, n1, 'upper') -%}
    {%- set l0 = wilson_bound(x0, n0, 'lower') -%}
    {%- set u0 = wilson_bound(x0, n0, 'upper') -%}
    (case
        when ({{ n1 }}) is null or ({{ n0 }}) is null or ({{ x1 }}) is null or ({{ x0 }}) is null
             or ({{ n1 }}) = 0 or ({{ n0 }}) = 0 then null
        {%- if bound == 'lower' %}
        else 100 * (({{ p1 }} - {{ p0 }}) - sqrt(power({{ p1 }} - {{ l1 }}, 2) + power({{ u0 }} - {{ p0 }}, 2)))
        {%- else %}
        else 100 * (({{ p1 }} - {{ p0 }}) + sqrt(power({{ u1 }} - {{ p1 }}, 2) + power({{ p0 }} - {{ l0 }}, 2)))
        {%- endif %}
    end)
{%- endmacro %}

{% macro poisson_byar_bound(count, bound) -%}
    {#- Byar's approximation to the exact 95% Poisson interval of a count (as Public Health
        England's confidence interval guide uses): lower x(1 − 1/9x − z/3√x)³, upper
        (x+1)(1 − 1/9(x+1) + z/3√(x+1))³; the lower bound of 0 is 0. -#}
    {%- set z = significance_z() -%}
    {%- set x = '(' ~ count ~ ')::double' -%}
    (case
        when ({{ count }}) is null then null
        {%- if bound == 'lower' %}
        when ({{ count }}) = 0 then 0.0
        else {{ x }} * power(1 - 1 / (9 * {{ x }}) - {{ z }} / (3 * sqrt({{ x }})), 3)
        {%- else %}
        else ({{ x }} + 1) * power(1 - 1 / (9 * ({{ x }} + 1)) + {{ z }} / (3 * sqrt({{ x }} + 1)), 3)
        {%- endif %}
    end)
{%- endmacro %}

{% macro significance_label(lower, upper) -%}
    {#- 'significant increase' when the whole interval is above no change, 'significant
        decrease' when below, else 'not significant'; NULL when there is no interval. An
        unbounded upper end (NULL beside a lower bound) is above everything. -#}
    (case
        when ({{ lower }}) is null and ({{ upper }}) is null then null
        when ({{ lower }}) > 0 then 'significant increase'
        when ({{ upper }}) < 0 then 'significant decrease'
        else 'not significant'
    end)
{%- endmacro %}
