-- Flow totals of service activities per division over a period, with the pre-pilot response-time baseline.
-- Raw variant: reads every matching activity. The reference its rollup twin (same name without _raw) is proven equal to, and the fallback for periods that are not whole months and for snapshots without rollups.
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $starts, $ends, $scopes
--   (the windows, one row per window in the result: see the windows macro in _macros.sql); $categories, $target_groups, $team_types
--   (lists of codes, or NULL for all); $baseline_months (length of the baseline before each pilot start).
-- A community's pilot start comes from the shared macro pilot_starts (queries/_macros.sql).
with filtered as (
    select
        w.window_id,
        a.*,
        a.date between w.w_start and w.w_end as in_period,
        a.date >= p.pilot_start as since_pilot,
        a.date >= p.pilot_start - to_months($baseline_months::integer) and a.date < p.pilot_start as in_baseline
    from read_parquet($activities_parquet) as a
    inner join pilot_starts($divisions_parquet) as p on p.community_code = a.community_code
    left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
    inner join windows($starts, $ends, $scopes) as w on starts_with(a.community_code, w.w_scope)
    where in_scope(a.community_code, $prefix_len, $prefixes)
      and activity_passes(a.category, a.target_group, t.team_type, $categories, $target_groups, $team_types)
)

select
    window_id,
    left(community_code, $group_len) as division_code,
    count(*) filter (where in_period) as activities,
    coalesce(sum(served_person_times) filter (where in_period), 0)::bigint as served_person_times,
    coalesce(sum(service_hours) filter (where in_period), 0) as service_hours,
    coalesce(sum(volunteers) filter (where in_period), 0)::bigint as volunteer_person_times,
    coalesce(sum(social_workers) filter (where in_period), 0)::bigint as social_worker_person_times,
    count(*) filter (where in_period and volunteers > 0 and social_workers > 0) as co_delivered_activities,
    count(*) filter (where in_period and is_request) as request_activities,
    coalesce(sum(response_hours) filter (where in_period and is_request), 0) as response_hours_total,
    count(*) filter (where in_period and is_request and since_pilot) as requests_since_pilot,
    coalesce(sum(response_hours) filter (where in_period and is_request and since_pilot), 0)
        as response_hours_since_pilot,
    count(*) filter (where in_baseline and is_request) as requests_baseline,
    coalesce(sum(response_hours) filter (where in_baseline and is_request), 0) as response_hours_baseline
from filtered
where in_period or in_baseline
group by all
order by window_id, division_code
