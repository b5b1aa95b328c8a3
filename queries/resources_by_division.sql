-- Resources opened by the end of each window, counted per division and kind.
-- Params: $resources_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $starts, $ends, $scopes (the windows, one row per window in the result: see the windows macro in _macros.sql). Only the ends count.
--
--   $levels (list of levels such as ['street'], or NULL for all).
select
    w.window_id,
    left(r.division_code, $group_len) as division_code,
    r.kind as kind,
    count(*) as n
from read_parquet($resources_parquet) as r
inner join windows($starts, $ends, $scopes) as w
    on r.opened <= w.w_end and starts_with(r.division_code, w.w_scope)
where true
  and in_scope(r.division_code, $prefix_len, $prefixes)
  and length(r.division_code) >= $group_len
  and ($levels is null or r.level = any($levels))
group by all
order by window_id, division_code, kind
