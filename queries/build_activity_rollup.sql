-- Rollup of service activities, built with each snapshot: flow sums per grain (district, street, community), division, month and pilot phase.
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $baseline_months (length of the response-time baseline before each pilot start);
--   $first_day, $last_day (the whole months this run covers: a large build runs in chunks of months, see govdash.core.engine.rollups).
-- Detail rows (detail = true) split by category, target group and team type, for filtered questions; summary rows (detail = false)
-- add up all of them, for the unfiltered views every page opens with. since_pilot: on or after the community's pilot start
-- (shared macro pilot_starts); in_baseline: in the $baseline_months before it. Every measure is a count or a sum, so any set
-- of rows adds up to what the raw table gives. Sorted by every column, so a grain and a run of division codes are a few row
-- groups, and the same tables always give the same bytes.
with per_community as (
    select
        date_trunc('month', a.date)::date as month,
        a.community_code,
        a.category,
        a.target_group,
        t.team_type,
        a.date >= p.pilot_start as since_pilot,
        a.date >= p.pilot_start - to_months($baseline_months::integer) and a.date < p.pilot_start as in_baseline,
        count(*) as activities,
        sum(a.served_person_times) as served_person_times,
        sum(a.service_hours) as service_hours,
        sum(a.volunteers) as volunteer_person_times,
        sum(a.social_workers) as social_worker_person_times,
        count(*) filter (where a.volunteers > 0 and a.social_workers > 0) as co_delivered_activities,
        count(*) filter (where a.is_request) as request_activities,
        sum(a.response_hours) filter (where a.is_request) as response_hours_total
    from read_parquet($activities_parquet) as a
    inner join pilot_starts($divisions_parquet) as p on p.community_code = a.community_code
    left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
    where a.date between $first_day::date and $last_day::date
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
    c.in_baseline,
    sum(c.activities)::bigint as activities,
    coalesce(sum(c.served_person_times), 0)::bigint as served_person_times,
    coalesce(sum(c.service_hours), 0)::double as service_hours,
    coalesce(sum(c.volunteer_person_times), 0)::bigint as volunteer_person_times,
    coalesce(sum(c.social_worker_person_times), 0)::bigint as social_worker_person_times,
    sum(c.co_delivered_activities)::bigint as co_delivered_activities,
    sum(c.request_activities)::bigint as request_activities,
    coalesce(sum(c.response_hours_total), 0)::double as response_hours_total
from per_community as c
cross join rollup_keys() as k
group by all
order by all
