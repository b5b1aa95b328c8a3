-- Static stocks from the division table per division: communities, pilot communities, resident population.
-- Params: $divisions_parquet; $code_len (0, 6, 9 or 12); $scope_prefix ('' for the city).
select
    left(d.code, $code_len) as division_code,
    count(*) as communities,
    count(*) filter (where d.is_pilot) as pilot_communities,
    sum(d.population)::bigint as population
from read_parquet($divisions_parquet) as d
where d.level = 'community'
  and starts_with(d.code, $scope_prefix)
group by all
order by division_code
