-- Resources open at each month end, counted per month, division and kind.
-- Params: $resources_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $start, $end (dates); $levels (list or NULL).
with months as (
    select m::date as month
    from range(date_trunc('month', $start::date), $end::date + interval 1 day, interval 1 month) as t(m)
)

select
    m.month as month,
    left(r.division_code, $group_len) as division_code,
    r.kind as kind,
    count(*) as n
from months as m
inner join read_parquet($resources_parquet) as r
    on r.opened <= last_day(m.month)
where in_scope(r.division_code, $prefix_len, $prefixes)
  and length(r.division_code) >= $group_len
  and ($levels is null or r.level = any($levels))
group by all
order by month, division_code, kind
