-- The raw activities in the contract's columns and order, read from wherever the build's engine finds them: the snapshot's
-- Parquet file, or (ClickHouse) a warehouse table named in GOVDASH_CLICKHOUSE_TABLES. How a snapshot is built from a
-- warehouse without exporting its records first (govdash.core.engine.warehouse). Portable as written: no ClickHouse variant.
-- Params: $activities_parquet.
select
    a.activity_id, a.date, a.community_code, a.team_id, a.category, a.target_group, a.volunteers, a.social_workers,
    a.service_hours, a.served_person_times, a.is_request, a.response_hours
from read_parquet($activities_parquet) as a
order by a.date, a.community_code, a.activity_id
