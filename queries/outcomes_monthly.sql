-- Outcome metrics per month and division: the month's values summed (cumulative series report every month).
-- Params: $outcomes_parquet, $divisions_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city); $start, $end (dates).
select
    o.month as month,
    left(o.division_code, $group_len) as division_code,
    o.metric as metric,
    sum(o.value) as value
from read_parquet($outcomes_parquet) as o
inner join read_parquet($divisions_parquet) as d on d.code = o.division_code
where o.month between date_trunc('month', $start::date) and $end::date
  and in_scope(o.division_code, $prefix_len, $prefixes)
  and ($group_len = 0 or (d.level <> 'city' and length(o.division_code) >= $group_len))
group by all
order by month, division_code, metric
