-- The months the snapshot covers: first and last headcount month and first and last activity date.
-- Params: $headcounts_parquet, $activities_parquet.
select
    (select min(month) from read_parquet($headcounts_parquet)) as first_month,
    (select max(month) from read_parquet($headcounts_parquet)) as last_month,
    (select min(date) from read_parquet($activities_parquet)) as first_activity,
    (select max(date) from read_parquet($activities_parquet)) as last_activity
