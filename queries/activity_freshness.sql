-- How current each district's activity records are: its latest activity date, from $since on. Districts
-- that send records weekly stand days behind the as-of date, those that send them after each month ends
-- up to a month behind; a district with nothing since $since is absent from the result.
-- Params: $activities_parquet; $since (date: only the newest stretch of the date-sorted file is read).
select left(a.community_code, 6) as district_code, max(a.date) as last_activity
from read_parquet($activities_parquet) as a
where a.date >= $since::date
group by all
order by district_code
