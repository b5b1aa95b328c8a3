-- Flow totals of service activities per month and division.
-- Params: $activities_parquet, $teams_parquet; $code_len (0, 6, 9 or 12); $scope_prefix ('' for the city);
--   $start, $end (dates); $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select
    date_trunc('month', a.date)::date as month,
    left(a.community_code, $code_len) as division_code,
    count(*) as activities,
    sum(a.served_person_times)::bigint as served_person_times,
    sum(a.service_hours) as service_hours,
    sum(a.volunteers)::bigint as volunteer_person_times,
    sum(a.social_workers)::bigint as social_worker_person_times,
    count(*) filter (where a.volunteers > 0 and a.social_workers > 0) as co_delivered_activities,
    count(*) filter (where a.is_request) as request_activities,
    coalesce(sum(a.response_hours) filter (where a.is_request), 0) as response_hours_total
from read_parquet($activities_parquet) as a
left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
where a.date between $start::date and $end::date
  and starts_with(a.community_code, $scope_prefix)
  and ($categories is null or a.category = any($categories))
  and ($target_groups is null or a.target_group = any($target_groups))
  and ($team_types is null or t.team_type = any($team_types))
group by all
order by month, division_code
