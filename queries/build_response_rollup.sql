-- Rollup of service requests by response time, built with each snapshot: requests per grain, division, month, pilot phase and histogram bin.
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $bin_hours (bin width); $max_hours (the last bin collects everything above it); $first_day, $last_day (the whole months this run covers: a large build runs in chunks of months).
-- The bins are those of the activities page (settings response_bin_hours, response_max_hours); detail and summary rows, grains and
-- since_pilot as in build_activity_rollup.sql.
with per_community as (
    select
        date_trunc('month', a.date)::date as month,
        a.community_code,
        a.category,
        a.target_group,
        t.team_type,
        a.date >= p.pilot_start as since_pilot,
        least(floor(a.response_hours / $bin_hours::double), floor($max_hours::double / $bin_hours::double))
            * $bin_hours::double as bin_start,
        count(*) as requests
    from read_parquet($activities_parquet) as a
    inner join pilot_starts($divisions_parquet) as p on p.community_code = a.community_code
    left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
    where a.is_request
      and a.response_hours is not null
      and a.date between $first_day::date and $last_day::date
    group by all
)

select
    k.detail,
    k.grain,
    left(c.community_code, k.code_len) as division_code,
    c.month,
    case when k.detail then c.category end as category,
    case when k.detail then c.target_group end as target_group,
    case when k.detail then c.team_type end as team_type,
    c.since_pilot,
    c.bin_start,
    sum(c.requests)::bigint as requests
from per_community as c
cross join rollup_keys() as k
group by all
order by all
