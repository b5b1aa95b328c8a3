-- The communities that have not sent their monthly headcount report for one month.
-- Params: $divisions_parquet, $headcounts_parquet; $month (first day of the month);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city).
select c.code as community_code
from read_parquet($divisions_parquet) as c
where c.level = 'community'
  and in_scope(c.code, $prefix_len, $prefixes)
  and c.code not in (
      select r.community_code
      from reported_communities($headcounts_parquet, $month::date, $month::date) as r
  )
order by c.code
