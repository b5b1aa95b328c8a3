-- The communities that have not sent their monthly headcount report for one month.
-- Params: $divisions_parquet, $headcounts_parquet; $month (first day of the month);
--   $prefix_len, $prefixes (the selected divisions' code length and codes; 0 and [''] for the city).
select c.code as community_code
from read_parquet($divisions_parquet) as c
where c.level = 'community'
  and left(c.code, $prefix_len) = any($prefixes)
  and c.code not in (
      select h.community_code
      from read_parquet($headcounts_parquet) as h
      where h.month = $month::date
        and coalesce(
            h.social_workers, h.community_workers, h.registered_volunteers, h.volunteer_backbones,
            h.volunteer_teams, h.new_employment_teams, h.mobile_grid_workers
        ) is not null
  )
order by c.code
