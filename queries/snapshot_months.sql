-- The months the snapshot's headcounts and activities cover, newest last.
-- Params: $headcounts_parquet, $activities_parquet.
select distinct month
from (
    select h.month as month from read_parquet($headcounts_parquet) as h
    union all
    select date_trunc('month', a.date)::date as month from read_parquet($activities_parquet) as a
) as covered
order by month
