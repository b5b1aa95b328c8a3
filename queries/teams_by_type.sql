-- Volunteer teams founded by the end of the period, per division and team type.
-- Params: $teams_parquet; $code_len (0, 6, 9 or 12); $prefix_len, $prefixes (the selected divisions' code length and codes; 0 and [''] for the city); $end (date).
select
    left(t.community_code, $code_len) as division_code,
    t.team_type,
    count(*) as teams
from read_parquet($teams_parquet) as t
where t.founded <= $end::date
  and left(t.community_code, $prefix_len) = any($prefixes)
group by all
order by division_code, t.team_type
