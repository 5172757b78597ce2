-- The worked examples of spec/measures.md, computed with the project's macros.
-- Returns one row per example whose result is not the documented figure (full precision;
-- the documents round to 1 decimal place for display).
with examples (example, actual, expected) as (
    values
    -- YTD change %: seed 002 2.1, Q1 326 against 260 -> +25.4%
    ('ytd change 326 vs 260', {{ pct_change(326, 260) }}, 66.0 / 260 * 100),
    -- YTD change %: seed 004, burglaries Apr-Jul 348 against 256 -> +35.9%
    ('ytd change 348 vs 256', {{ pct_change(348, 256) }}, 35.9375),
    -- change against baseline: seed 002 1.3 ASB 12,043 vs 3-year average 13,425 -> -10.3%
    ('baseline 12043 vs 13425', {{ pct_change(12043, 13425) }}, -1382.0 / 13425 * 100),
    -- seed 002 2.1 violence 1,440 vs 1,146 -> +25.7%
    ('baseline 1440 vs 1146', {{ pct_change(1440, 1146) }}, 294.0 / 1146 * 100),
    -- seed 002 4.1 criminal damage 2,203 vs 2,318 -> -5.0%
    ('baseline 2203 vs 2318', {{ pct_change(2203, 2318) }}, -115.0 / 2318 * 100),
    -- rate per 1,000: seed 000 all crime 20.6 per 1,000 (YTD count over population)
    ('rate 5150 / 250000 per 1000', {{ rate_per(5150, 250000, 1000) }}, 20.6),
    -- no baseline / zero baseline / no denominator -> no figure
    ('pct change null baseline', coalesce({{ pct_change(5, 'null') }}, -999), -999),
    ('pct change zero baseline', coalesce({{ pct_change(5, 0) }}, -999), -999),
    ('rate zero denominator', coalesce({{ rate_per(5, 0, 1000) }}, -999), -999)
)
select example, actual, expected
from examples
where actual is null or abs(actual - expected) > 1e-9
   or round(actual, 1) <> round(expected, 1)
