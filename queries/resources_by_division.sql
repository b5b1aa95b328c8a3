-- Resources opened by the end of the period, counted per division and kind.
-- Params: $resources_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $end (date);
--   $levels (list of levels such as ['street'], or NULL for all).
select
    left(r.division_code, $group_len) as division_code,
    r.kind as kind,
    count(*) as n
from read_parquet($resources_parquet) as r
where r.opened <= $end::date
  and in_scope(r.division_code, $prefix_len, $prefixes)
  and length(r.division_code) >= $group_len
  and ($levels is null or r.level = any($levels))
group by all
order by division_code, kind
