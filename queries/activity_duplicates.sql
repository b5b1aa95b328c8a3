-- Activity ids that occur more than once (the first few), checked in the engine before a warehouse's records are written
-- into a snapshot: a stream of records can only prove its keys unique when they arrive in increasing order, and a
-- warehouse's ids need not follow its dates. Portable as written: no ClickHouse variant.
-- Params: $activities_parquet.
select a.activity_id, count(*) as copies
from read_parquet($activities_parquet) as a
group by a.activity_id
having count(*) > 1
order by a.activity_id
limit 5
