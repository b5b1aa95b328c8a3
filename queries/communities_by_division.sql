-- Static stocks from the division table per division: communities, pilot communities, resident population.
-- Params: $divisions_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $starts, $ends, $scopes (the windows, one row per window in the result: see the windows macro in _macros.sql). Only the scopes count: the division table has no dates.
select
    w.window_id,
    left(d.code, $group_len) as division_code,
    count(*) as communities,
    count(*) filter (where d.is_pilot) as pilot_communities,
    sum(d.population)::bigint as population
from read_parquet($divisions_parquet) as d
inner join windows($starts, $ends, $scopes) as w on starts_with(d.code, w.w_scope)
where d.level = 'community'
  and in_scope(d.code, $prefix_len, $prefixes)
group by all
order by window_id, division_code
