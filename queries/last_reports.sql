-- The month each community of a scope last sent its monthly headcount report (NULL: none up to $end), and the newest month any community of the city reported.
-- Params: $divisions_parquet, $headcounts_parquet; $end (first day of the last month looked at);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city).
with reports as (
    select r.community_code, max(r.month) as last_report
    from reported_communities($headcounts_parquet, date '1900-01-01', $end::date) as r
    group by r.community_code
)
select
    c.code as community_code,
    rep.last_report,
    (select max(last_report) from reports) as newest_report
from read_parquet($divisions_parquet) as c
left join reports as rep on rep.community_code = c.code
where c.level = 'community'
  and in_scope(c.code, $prefix_len, $prefixes)
order by c.code
