-- Flow totals of service activities per month and division.
-- Raw variant: reads every matching activity. The reference its rollup twin (same name without _raw) is proven equal to, and the fallback for periods that are not whole months and for snapshots without rollups.
-- Params: $activities_parquet, $teams_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (dates); $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select
    date_trunc('month', a.date)::date as month,
    left(a.community_code, $group_len) as division_code,
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
  and in_scope(a.community_code, $prefix_len, $prefixes)
  and activity_passes(a.category, a.target_group, t.team_type, $categories, $target_groups, $team_types)
group by all
order by month, division_code
