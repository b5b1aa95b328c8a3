-- Flow totals of service activities per division over a period, with the pre-pilot response-time baseline.
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $code_len (0, 6, 9 or 12);
--   $scope_prefix ('' for the city); $start, $end (dates); $categories, $target_groups, $team_types
--   (lists of codes, or NULL for all); $baseline_months (length of the baseline before each pilot start).
-- A community's pilot start is its own, else its street's, district's or the city's.
with divisions as (
    select * from read_parquet($divisions_parquet)
),

pilot as (
    select
        c.code as community_code,
        coalesce(c.pilot_start, s.pilot_start, d.pilot_start, city.pilot_start) as pilot_start
    from divisions as c
    left join divisions as s on s.code = left(c.code, 9) and s.level = 'street'
    left join divisions as d on d.code = left(c.code, 6) and d.level = 'district'
    cross join (select pilot_start from divisions where level = 'city') as city
    where c.level = 'community'
      and starts_with(c.code, $scope_prefix)
),

filtered as (
    select
        a.*,
        a.date between $start::date and $end::date as in_period,
        a.date >= p.pilot_start as since_pilot,
        a.date >= p.pilot_start - to_months($baseline_months::integer) and a.date < p.pilot_start as in_baseline
    from read_parquet($activities_parquet) as a
    inner join pilot as p on p.community_code = a.community_code
    left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
    where starts_with(a.community_code, $scope_prefix)
      and ($categories is null or a.category = any($categories))
      and ($target_groups is null or a.target_group = any($target_groups))
      and ($team_types is null or t.team_type = any($team_types))
)

select
    left(community_code, $code_len) as division_code,
    count(*) filter (where in_period) as activities,
    coalesce(sum(served_person_times) filter (where in_period), 0)::bigint as served_person_times,
    coalesce(sum(service_hours) filter (where in_period), 0) as service_hours,
    coalesce(sum(volunteers) filter (where in_period), 0)::bigint as volunteer_person_times,
    coalesce(sum(social_workers) filter (where in_period), 0)::bigint as social_worker_person_times,
    count(*) filter (where in_period and volunteers > 0 and social_workers > 0) as co_delivered_activities,
    count(*) filter (where in_period and is_request) as request_activities,
    coalesce(sum(response_hours) filter (where in_period and is_request), 0) as response_hours_total,
    count(*) filter (where in_period and is_request and since_pilot) as requests_since_pilot,
    coalesce(sum(response_hours) filter (where in_period and is_request and since_pilot), 0)
        as response_hours_since_pilot,
    count(*) filter (where in_baseline and is_request) as requests_baseline,
    coalesce(sum(response_hours) filter (where in_baseline and is_request), 0) as response_hours_baseline
from filtered
where in_period or in_baseline
group by all
order by division_code
