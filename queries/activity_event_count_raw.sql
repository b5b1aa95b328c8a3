-- How many service activities match the explorer's filters (for paging and the download size).
-- Raw variant: reads every matching activity. The reference its rollup twin (same name without _raw) is proven equal to, and the fallback for periods that are not whole months and for snapshots without rollups.
-- Params: $activities_parquet, $teams_parquet; $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $start, $end (dates);
--   $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select count(*) as n
from read_parquet($activities_parquet) as a
left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
where a.date between $start::date and $end::date
  and in_scope(a.community_code, $prefix_len, $prefixes)
  and activity_passes(a.category, a.target_group, t.team_type, $categories, $target_groups, $team_types)
