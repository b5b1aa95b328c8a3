-- One page of service activities (newest first) in a scope and date range, with their team.
-- Params: $activities_parquet, $teams_parquet; $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $start, $end (dates);
--   $categories, $target_groups, $team_types (lists of codes, or NULL for all); $limit, $offset (paging).
select
    a.activity_id,
    a.date,
    a.community_code,
    a.team_id,
    t.name_zh as team_name_zh,
    t.name_en as team_name_en,
    t.team_type,
    a.category,
    a.target_group,
    a.volunteers,
    a.social_workers,
    a.service_hours,
    a.served_person_times,
    a.is_request,
    a.response_hours
from read_parquet($activities_parquet) as a
left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
where a.date between $start::date and $end::date
  and in_scope(a.community_code, $prefix_len, $prefixes)
  and activity_passes(a.category, a.target_group, t.team_type, $categories, $target_groups, $team_types)
order by a.date desc, a.activity_id desc
limit $limit::bigint offset $offset::bigint
