-- Service activities by month, category and target group in a scope and whole months (flows, summable).
-- Reads the detail rows of the activity rollup (build_activity_rollup.sql); activity_breakdown_raw.sql gives the same from the raw table.
-- Params: $activity_rollup_parquet; $detail (true here), $grain, $code_min, $code_max (which rows: see rollup_rows in _macros.sql);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (the first day of the first month and the last day of the last); $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select
    r.month,
    r.category,
    r.target_group,
    sum(r.activities)::bigint as activities,
    sum(r.served_person_times)::bigint as served_person_times,
    sum(r.service_hours) as service_hours
from rollup_rows($activity_rollup_parquet, $detail, $grain, $code_min, $code_max, $prefix_len, $prefixes, $categories, $target_groups, $team_types) as r
where r.month between $start::date and $end::date
group by all
order by month, r.category, r.target_group
