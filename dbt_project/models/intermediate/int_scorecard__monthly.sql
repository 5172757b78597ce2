-- The monthly counts of every domain, one spine: each domain's monthly model has the same
-- columns, matched by name (a column one domain lacks, such as force_code, is NULL on its
-- rows). A new domain adds its monthly model here; the scorecard and the calendar read this.
select * from {{ ref('int_scorecard__crime_monthly') }}
union all by name
select * from {{ ref('int_scorecard__domestic_abuse_monthly') }}
