-- ClickHouse variant of ../build_response_rollup.sql (same result, proven by tests/test_engines.py).
-- It differs only where ClickHouse does: no table macros, so pilot_starts and rollup_keys (../_macros.sql) are written
-- out as CTEs; the phase flag is cast to Bool (a comparison is a UInt8 here).
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $bin_hours; $max_hours; $first_day, $last_day.
with pilot_starts as (
    select
        c.code as community_code,
        coalesce(c.pilot_start, s.pilot_start, d.pilot_start, city.pilot_start) as pilot_start
    from read_parquet($divisions_parquet) as c
    left join read_parquet($divisions_parquet) as s on s.code = left(c.code, 9) and s.level = 'street'
    left join read_parquet($divisions_parquet) as d on d.code = left(c.code, 6) and d.level = 'district'
    cross join (select pilot_start from read_parquet($divisions_parquet) where level = 'city') as city
    where c.level = 'community'
),
rollup_keys as (
    select g.grain as grain, g.code_len as code_len, k.detail as detail
    from (values ('district', 6), ('street', 9), ('community', 12)) as g(grain, code_len)
    cross join (values (true), (false)) as k(detail)
),
per_community as (
    select
        date_trunc('month', a.date)::date as month,
        a.community_code as community_code,
        a.category as category,
        a.target_group as target_group,
        t.team_type as team_type,
        (a.date >= p.pilot_start)::Nullable(Bool) as since_pilot,
        least(floor(a.response_hours / $bin_hours::double), floor($max_hours::double / $bin_hours::double))
            * $bin_hours::double as bin_start,
        count(*) as requests
    from read_parquet($activities_parquet) as a
    inner join pilot_starts as p on p.community_code = a.community_code
    left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
    where a.is_request
      and a.response_hours is not null
      and a.date between $first_day::date and $last_day::date
    group by all
)

select
    k.detail as detail,
    k.grain as grain,
    left(c.community_code, k.code_len) as division_code,
    c.month as month,
    case when k.detail then c.category end as category,
    case when k.detail then c.target_group end as target_group,
    case when k.detail then c.team_type end as team_type,
    c.since_pilot as since_pilot,
    c.bin_start as bin_start,
    sum(c.requests)::bigint as requests
from per_community as c
cross join rollup_keys as k
group by all
order by all
