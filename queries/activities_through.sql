-- The last day with any activity: periods ending on or after it hold whole months of data (govdash.core.rollups).
-- Params: $activities_parquet.
select max(a.date) as last_date
from read_parquet($activities_parquet) as a
