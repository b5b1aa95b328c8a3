-- The first and last activity dates and the number of activities: how a rollup build splits into runs of months.
-- Params: $activities_parquet.
select min(a.date) as first_day, max(a.date) as last_day, count(*) as rows
from read_parquet($activities_parquet) as a
