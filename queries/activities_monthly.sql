-- Flow totals of service activities per month and division.
-- Reads the activity rollup (build_activity_rollup.sql); activities_monthly_raw.sql gives the same from the raw table.
-- Params: $activity_rollup_parquet; $detail, $grain, $code_min, $code_max (which rows: see rollup_rows in _macros.sql);
--   $group_len (0, 6, 9 or 12: the grouping level's code length);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (the first day of the first month and the last day of the last); $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select
    r.month,
    left(r.division_code, $group_len) as division_code,
    sum(r.activities)::bigint as activities,
    sum(r.served_person_times)::bigint as served_person_times,
    sum(r.service_hours) as service_hours,
    sum(r.volunteer_person_times)::bigint as volunteer_person_times,
    sum(r.social_worker_person_times)::bigint as social_worker_person_times,
    sum(r.co_delivered_activities)::bigint as co_delivered_activities,
    sum(r.request_activities)::bigint as request_activities,
    sum(r.response_hours_total) as response_hours_total
from rollup_rows($activity_rollup_parquet, $detail, $grain, $code_min, $code_max, $prefix_len, $prefixes, $categories, $target_groups, $team_types) as r
where r.month between $start::date and $end::date
group by all
order by month, division_code
