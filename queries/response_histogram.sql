-- Response times of service requests in bins, before the pilot began (baseline) and since.
-- Params: $activities_parquet, $teams_parquet, $divisions_parquet; $prefix_len, $prefixes (the selected divisions' code length and codes; 0 and [''] for the city);
--   $start, $end (dates); $categories, $target_groups, $team_types (lists or NULL); $bin_hours (bin width);
--   $max_hours (the last bin collects everything above it).
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
      and left(c.code, $prefix_len) = any($prefixes)
)

select
    case when a.date >= p.pilot_start then 'pilot' else 'baseline' end as phase,
    least(floor(a.response_hours / $bin_hours::double), floor($max_hours::double / $bin_hours::double))
        * $bin_hours::double as bin_start,
    count(*) as requests
from read_parquet($activities_parquet) as a
inner join pilot as p on p.community_code = a.community_code
left join read_parquet($teams_parquet) as t on t.team_id = a.team_id
where a.is_request
  and a.response_hours is not null
  and a.date between $start::date and $end::date
  and left(a.community_code, $prefix_len) = any($prefixes)
  and ($categories is null or a.category = any($categories))
  and ($target_groups is null or a.target_group = any($target_groups))
  and ($team_types is null or t.team_type = any($team_types))
group by all
order by phase, bin_start
