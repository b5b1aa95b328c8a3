-- Static stocks from the division table per division: communities, pilot communities, resident population.
-- Params: $divisions_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city).
select
    left(d.code, $group_len) as division_code,
    count(*) as communities,
    count(*) filter (where d.is_pilot) as pilot_communities,
    sum(d.population)::bigint as population
from read_parquet($divisions_parquet) as d
where d.level = 'community'
  and in_scope(d.code, $prefix_len, $prefixes)
group by all
order by division_code
