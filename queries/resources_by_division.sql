-- Resources opened by the end of the period, counted per division and kind.
-- Params: $resources_parquet; $code_len (0, 6, 9 or 12); $scope_prefix ('' for the city); $end (date);
--   $levels (list of levels such as ['street'], or NULL for all).
select
    left(r.division_code, $code_len) as division_code,
    r.kind as kind,
    count(*) as n
from read_parquet($resources_parquet) as r
where r.opened <= $end::date
  and starts_with(r.division_code, $scope_prefix)
  and length(r.division_code) >= $code_len
  and ($levels is null or r.level = any($levels))
group by all
order by division_code, kind
