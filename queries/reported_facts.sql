-- Reported facts stored in the snapshot, one row per quantitative statement of a source document.
-- Params: $reported_facts_parquet.
select f.*
from read_parquet($reported_facts_parquet) as f
order by f.fact_id
