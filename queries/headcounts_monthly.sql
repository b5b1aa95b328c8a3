-- Stock headcounts per month and division: the month's reported values summed across communities.
-- Params: $headcounts_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $start, $end (dates).
select
    h.month as month,
    left(h.community_code, $group_len) as division_code,
    count(*) as reporting_communities,
    sum(h.social_workers)::bigint as social_workers,
    sum(h.community_workers)::bigint as community_workers,
    sum(h.registered_volunteers)::bigint as registered_volunteers,
    sum(h.volunteer_backbones)::bigint as volunteer_backbones,
    sum(h.volunteer_teams)::bigint as volunteer_teams,
    sum(h.new_employment_teams)::bigint as new_employment_teams,
    sum(h.mobile_grid_workers)::bigint as mobile_grid_workers
from read_parquet($headcounts_parquet) as h
where h.month between date_trunc('month', $start::date) and $end::date
  and in_scope(h.community_code, $prefix_len, $prefixes)
group by all
order by month, division_code
