-- The months each snapshot source covers for each CSP: from 1 April to the month of the newest
-- snapshot of the financial year (a snapshot lists every episode or order of the year so far,
-- so it covers the months before it too). The treatment and court-order figures of a month
-- come from that snapshot; a month it does not cover has no data.
select * from ({{ snapshot_coverage(ref('stg_treatment__episodes'), 'treatment_episodes') }})
union all
select * from ({{ snapshot_coverage(ref('stg_probation__court_orders'), 'court_orders') }})
