-- One rollup from the chunks a large build wrote (each a run of whole months, so no group spans two chunks), in the
-- rollup's order: every column, as each build_*.sql orders its own output.
-- Params: $chunk_files (the chunk files, in the snapshot's staging folder).
select *
from read_parquet($chunk_files)
order by all
