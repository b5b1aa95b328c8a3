-- How many service activities match the explorer's filters (for paging and the download size).
-- Params: $activities_parquet, $teams_parquet; $prefix_len, $prefixes (the selected divisions' code length and codes; 0 and [''] for the city); $start, $end (dates);
--   $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select count(*) as n
from read_parquet($activities_parquet) as a
left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
where a.date between $start::date and $end::date
  and left(a.community_code, $prefix_len) = any($prefixes)
  and ($categories is null or a.category = any($categories))
  and ($target_groups is null or a.target_group = any($target_groups))
  and ($team_types is null or t.team_type = any($team_types))
