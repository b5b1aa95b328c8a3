-- Reporting completeness: per month and district, how many communities sent their monthly headcount
-- report (a row with at least one figure) out of how many there are.
-- Params: $divisions_parquet, $headcounts_parquet; $start, $end (first days of months).
-- A community without a report is counted as missing, never as zero (macro reported_communities).
with communities as (
    select code, left(code, 6) as district_code
    from read_parquet($divisions_parquet)
    where level = 'community'
),

months as (
    select unnest(generate_series($start::date, $end::date, interval 1 month))::date as month
)

select
    m.month,
    c.district_code,
    count(*) as communities,
    count(r.community_code) as reported
from months as m
cross join communities as c
left join reported_communities($headcounts_parquet, $start::date, $end::date) as r
    on r.month = m.month and r.community_code = c.code
group by all
order by m.month, c.district_code
