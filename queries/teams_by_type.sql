-- Volunteer teams founded by the end of the period, per division and team type.
-- Params: $teams_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $end (date).
select
    left(t.community_code, $group_len) as division_code,
    t.team_type,
    count(*) as teams
from read_parquet($teams_parquet) as t
where t.founded <= $end::date
  and in_scope(t.community_code, $prefix_len, $prefixes)
group by all
order by division_code, t.team_type
