-- All divisions of the snapshot (city, districts, streets, communities), for names, hierarchy and pilot dates.
-- Params: $divisions_parquet.
select d.*
from read_parquet($divisions_parquet) as d
order by d.code
