-- Rollup of service activities per volunteer team, built with each snapshot: per community, team and month.
-- Params: $activities_parquet; $first_day, $last_day (the whole months this run covers: a large build runs in chunks of months).
-- Activities without a team are left out (no team to rank).
-- Detail rows split by category and target group, for filtered questions; summary rows (detail = false) add them up.
-- A team-type filter needs no detail: the type is the team's, joined from the teams table when read.
with per_team as (
    select
        date_trunc('month', a.date)::date as month,
        a.community_code,
        a.team_id,
        a.category,
        a.target_group,
        count(*) as activities,
        sum(a.served_person_times) as served_person_times,
        sum(a.service_hours) as service_hours
    from read_parquet($activities_parquet) as a
    where a.team_id is not null
      and a.date between $first_day::date and $last_day::date
    group by all
),
kinds as (
    select * from (values (true), (false)) as k(detail)
)
select
    k.detail,
    p.community_code,
    p.team_id,
    p.month,
    case when k.detail then p.category end as category,
    case when k.detail then p.target_group end as target_group,
    sum(p.activities)::bigint as activities,
    coalesce(sum(p.served_person_times), 0)::bigint as served_person_times,
    coalesce(sum(p.service_hours), 0)::double as service_hours
from per_team as p
cross join kinds as k
group by all
order by all
