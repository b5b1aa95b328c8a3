-- Response times of service requests in bins, before the pilot began (baseline) and since, over whole months.
-- Reads the response rollup (build_response_rollup.sql, binned as the settings say); response_histogram_raw.sql gives the same from the raw table.
-- Params: $response_rollup_parquet; $detail, $grain, $code_min, $code_max (which rows: see rollup_rows in _macros.sql);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (the first day of the first month and the last day of the last); $categories, $target_groups, $team_types (lists or NULL).
-- The bins were fixed when the rollup was built (rollup_settings in the manifest); other bins read the raw table.
select
    case when r.since_pilot then 'pilot' else 'baseline' end as phase,
    r.bin_start,
    sum(r.requests)::bigint as requests
from rollup_rows($response_rollup_parquet, $detail, $grain, $code_min, $code_max, $prefix_len, $prefixes, $categories, $target_groups, $team_types) as r
where r.month between $start::date and $end::date
group by all
order by phase, bin_start
