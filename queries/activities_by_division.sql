-- Flow totals of service activities per division over whole months, with the pre-pilot response-time baseline.
-- Reads the activity rollup (build_activity_rollup.sql); activities_by_division_raw.sql gives the same from the raw table.
-- Params: $activity_rollup_parquet; $detail, $grain, $code_min, $code_max (which rows: see rollup_rows in _macros.sql);
--   $group_len (0, 6, 9 or 12: the grouping level's code length);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $starts, $ends, $scopes (the windows, one row per window in the result: see the windows macro in _macros.sql; a start is
--   the first day of a month, an end the last day of one or a day no activity comes after);
--   $categories, $target_groups, $team_types (lists of codes, or NULL for all).
-- The baseline is the rollup's in_baseline flag, set with the snapshot's baseline_months when it was written.
with picked as (
    select w.window_id, r.*, r.month between w.w_start and w.w_end as in_period
    from rollup_rows($activity_rollup_parquet, $detail, $grain, $code_min, $code_max, $prefix_len, $prefixes, $categories, $target_groups, $team_types) as r
    inner join windows($starts, $ends, $scopes) as w
        on (r.month between w.w_start and w.w_end or r.in_baseline)
        and starts_with(r.division_code, w.w_scope)
)

select
    window_id,
    left(division_code, $group_len) as division_code,
    coalesce(sum(activities) filter (where in_period), 0)::bigint as activities,
    coalesce(sum(served_person_times) filter (where in_period), 0)::bigint as served_person_times,
    coalesce(sum(service_hours) filter (where in_period), 0) as service_hours,
    coalesce(sum(volunteer_person_times) filter (where in_period), 0)::bigint as volunteer_person_times,
    coalesce(sum(social_worker_person_times) filter (where in_period), 0)::bigint as social_worker_person_times,
    coalesce(sum(co_delivered_activities) filter (where in_period), 0)::bigint as co_delivered_activities,
    coalesce(sum(request_activities) filter (where in_period), 0)::bigint as request_activities,
    coalesce(sum(response_hours_total) filter (where in_period), 0) as response_hours_total,
    coalesce(sum(request_activities) filter (where in_period and since_pilot), 0)::bigint as requests_since_pilot,
    coalesce(sum(response_hours_total) filter (where in_period and since_pilot), 0) as response_hours_since_pilot,
    coalesce(sum(request_activities) filter (where in_baseline), 0)::bigint as requests_baseline,
    coalesce(sum(response_hours_total) filter (where in_baseline), 0) as response_hours_baseline
from picked
group by all
order by window_id, division_code
