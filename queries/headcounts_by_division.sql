-- Stock headcounts per division: each community's latest report in the $lookback_months months up to the window's
-- end, summed across communities (a report that is late or missing does not make a community vanish from a total;
-- one silent for longer no longer counts).
-- Params: $headcounts_parquet (table file, bound from the snapshot);
--   $group_len (0 city, 6 district, 9 street, 12 community: the length of the grouping code);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $starts, $ends, $scopes (the windows, one row per window in the result: see the windows macro in _macros.sql);
--   $lookback_months (settings.stock_lookback_months in data/metrics.toml).
-- A community that reported nothing in that time stays NULL, never zero.
with in_period as (
    select w.window_id, h.*
    from read_parquet($headcounts_parquet) as h
    inner join windows($starts, $ends, $scopes) as w
        on h.month between date_trunc('month', w.w_end) - to_months($lookback_months - 1) and w.w_end
        and starts_with(h.community_code, w.w_scope)
    where in_scope(h.community_code, $prefix_len, $prefixes)
),

last_per_community as (
    select
        window_id,
        community_code,
        arg_max(social_workers, month) filter (where social_workers is not null) as social_workers,
        arg_max(community_workers, month) filter (where community_workers is not null) as community_workers,
        arg_max(registered_volunteers, month) filter (where registered_volunteers is not null) as registered_volunteers,
        arg_max(volunteer_backbones, month) filter (where volunteer_backbones is not null) as volunteer_backbones,
        arg_max(volunteer_teams, month) filter (where volunteer_teams is not null) as volunteer_teams,
        arg_max(new_employment_teams, month) filter (where new_employment_teams is not null) as new_employment_teams,
        arg_max(mobile_grid_workers, month) filter (where mobile_grid_workers is not null) as mobile_grid_workers
    from in_period
    group by window_id, community_code
)

select
    l.window_id,
    left(l.community_code, $group_len) as division_code,
    count(*) as reporting_communities,
    sum(l.social_workers)::bigint as social_workers,
    sum(l.community_workers)::bigint as community_workers,
    sum(l.registered_volunteers)::bigint as registered_volunteers,
    sum(l.volunteer_backbones)::bigint as volunteer_backbones,
    sum(l.volunteer_teams)::bigint as volunteer_teams,
    sum(l.new_employment_teams)::bigint as new_employment_teams,
    sum(l.mobile_grid_workers)::bigint as mobile_grid_workers
from last_per_community as l
group by all
order by window_id, division_code
