-- Response times of service requests in bins, before the pilot began (baseline) and since.
-- Raw variant: reads every matching activity. The reference its rollup twin (same name without _raw) is proven equal to, and the fallback for periods that are not whole months and for snapshots without rollups.
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $start, $end (dates); $categories, $target_groups, $team_types (lists or NULL); $bin_hours (bin width);
--   $max_hours (the last bin collects everything above it).
-- A community's pilot start comes from the shared macro pilot_starts (queries/_macros.sql).
select
    case when a.date >= p.pilot_start then 'pilot' else 'baseline' end as phase,
    least(floor(a.response_hours / $bin_hours::double), floor($max_hours::double / $bin_hours::double))
        * $bin_hours::double as bin_start,
    count(*) as requests
from read_parquet($activities_parquet) as a
inner join pilot_starts($divisions_parquet) as p on p.community_code = a.community_code
left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
where a.is_request
  and a.response_hours is not null
  and a.date between $start::date and $end::date
  and in_scope(a.community_code, $prefix_len, $prefixes)
  and activity_passes(a.category, a.target_group, t.team_type, $categories, $target_groups, $team_types)
group by all
order by phase, bin_start
