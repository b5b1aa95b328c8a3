-- Stock headcounts per month and division: for each month, each community's latest report in the $lookback_months
-- months up to it, summed across communities: the rule of headcounts_by_division applied month by month, so a trend
-- does not dip when a report is late or missing, and each month equals the stock of a window ending there.
-- Params: $headcounts_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the
--   scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $start, $end (dates);
--   $lookback_months (settings.stock_lookback_months in data/metrics.toml).
-- reporting_communities counts the communities whose own report for the month is in.
with months as (
    select unnest(generate_series(date_trunc('month', $start::date), $end::date, interval 1 month))::date as month
),

reports as (
    select *
    from read_parquet($headcounts_parquet) as h
    where h.month between date_trunc('month', $start::date) - to_months($lookback_months - 1) and $end::date
      and in_scope(h.community_code, $prefix_len, $prefixes)
),

latest as (
    select
        m.month,
        r.community_code,
        bool_or(r.month = m.month) as reported_this_month,
        arg_max(r.social_workers, r.month) filter (where r.social_workers is not null) as social_workers,
        arg_max(r.community_workers, r.month) filter (where r.community_workers is not null) as community_workers,
        arg_max(r.registered_volunteers, r.month) filter (where r.registered_volunteers is not null) as registered_volunteers,
        arg_max(r.volunteer_backbones, r.month) filter (where r.volunteer_backbones is not null) as volunteer_backbones,
        arg_max(r.volunteer_teams, r.month) filter (where r.volunteer_teams is not null) as volunteer_teams,
        arg_max(r.new_employment_teams, r.month) filter (where r.new_employment_teams is not null) as new_employment_teams,
        arg_max(r.mobile_grid_workers, r.month) filter (where r.mobile_grid_workers is not null) as mobile_grid_workers
    from months as m
    inner join reports as r
        on r.month between m.month - to_months($lookback_months - 1) and m.month
    group by m.month, r.community_code
)

select
    month,
    left(community_code, $group_len) as division_code,
    count(*) filter (where reported_this_month) as reporting_communities,
    sum(social_workers)::bigint as social_workers,
    sum(community_workers)::bigint as community_workers,
    sum(registered_volunteers)::bigint as registered_volunteers,
    sum(volunteer_backbones)::bigint as volunteer_backbones,
    sum(volunteer_teams)::bigint as volunteer_teams,
    sum(new_employment_teams)::bigint as new_employment_teams,
    sum(mobile_grid_workers)::bigint as mobile_grid_workers
from latest
group by all
order by month, division_code
