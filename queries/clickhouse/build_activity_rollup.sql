-- ClickHouse variant of ../build_activity_rollup.sql (same result, proven by tests/test_engines.py).
-- It differs only where ClickHouse does: no table macros, so pilot_starts and rollup_keys (../_macros.sql) are written
-- out as CTEs; to_months() is toIntervalMonth(); the phase flags are cast to Bool (a comparison is a UInt8 here).
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $baseline_months; $first_day, $last_day.
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
        (a.date >= p.pilot_start - toIntervalMonth($baseline_months) and a.date < p.pilot_start)::Nullable(Bool) as in_baseline,
        count(*) as activities,
        sum(a.served_person_times) as served_person_times,
        sum(a.service_hours) as service_hours,
        sum(a.volunteers) as volunteer_person_times,
        sum(a.social_workers) as social_worker_person_times,
        count(*) filter (where a.volunteers > 0 and a.social_workers > 0) as co_delivered_activities,
        count(*) filter (where a.is_request) as request_activities,
        sum(a.response_hours) filter (where a.is_request) as response_hours_total
    from read_parquet($activities_parquet) as a
    inner join pilot_starts as p on p.community_code = a.community_code
    left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
    where a.date between $first_day::date and $last_day::date
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
    c.in_baseline as in_baseline,
    sum(c.activities)::bigint as activities,
    coalesce(sum(c.served_person_times), 0)::bigint as served_person_times,
    coalesce(sum(c.service_hours), 0)::double as service_hours,
    coalesce(sum(c.volunteer_person_times), 0)::bigint as volunteer_person_times,
    coalesce(sum(c.social_worker_person_times), 0)::bigint as social_worker_person_times,
    sum(c.co_delivered_activities)::bigint as co_delivered_activities,
    sum(c.request_activities)::bigint as request_activities,
    coalesce(sum(c.response_hours_total), 0)::double as response_hours_total
from per_community as c
cross join rollup_keys as k
group by all
order by all
