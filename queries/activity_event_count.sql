-- How many service activities match the explorer's filters over whole months (for paging and the download size).
-- Reads the activity rollup (build_activity_rollup.sql); activity_event_count_raw.sql gives the same from the raw table.
-- Params: $activity_rollup_parquet; $detail, $grain, $code_min, $code_max (which rows: see rollup_rows in _macros.sql);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (the first day of the first month and the last day of the last); $categories, $target_groups, $team_types (lists of codes, or NULL for all).
select coalesce(sum(r.activities), 0)::bigint as n
from rollup_rows($activity_rollup_parquet, $detail, $grain, $code_min, $code_max, $prefix_len, $prefixes, $categories, $target_groups, $team_types) as r
where r.month between $start::date and $end::date
