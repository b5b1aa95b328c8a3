-- The most active volunteer teams in a scope and whole months, by number of activities.
-- Reads the team rollup (build_team_rollup.sql); top_teams_raw.sql gives the same from the raw table.
-- Params: $team_rollup_parquet, $teams_parquet; $detail (true when filtering by category or target group);
--   $code_min, $code_max (the scope as a range of community codes, so DuckDB skips row groups);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (the first day of the first month and the last day of the last); $categories, $target_groups, $team_types (lists of codes, or NULL for all); $limit (rows).
select
    r.team_id,
    any_value(t.name_zh) as name_zh,
    any_value(t.name_en) as name_en,
    any_value(t.team_type) as team_type,
    any_value(t.community_code) as community_code,
    sum(r.activities)::bigint as activities,
    sum(r.served_person_times)::bigint as served_person_times,
    sum(r.service_hours) as service_hours
from read_parquet($team_rollup_parquet) as r
inner join read_parquet($teams_parquet) as t on t.team_id = r.team_id
where r.detail = $detail
  and r.community_code between $code_min and $code_max
  and r.month between $start::date and $end::date
  and in_scope(r.community_code, $prefix_len, $prefixes)
  and activity_passes(r.category, r.target_group, t.team_type, $categories, $target_groups, $team_types)
group by r.team_id
order by activities desc, r.team_id
limit $limit::bigint
