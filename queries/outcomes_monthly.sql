-- Outcome metrics per month and division: the month's values summed (cumulative series report every month).
-- Params: $outcomes_parquet, $divisions_parquet; $code_len (0, 6, 9 or 12); $scope_prefix; $start, $end (dates).
select
    o.month as month,
    left(o.division_code, $code_len) as division_code,
    o.metric as metric,
    sum(o.value) as value
from read_parquet($outcomes_parquet) as o
inner join read_parquet($divisions_parquet) as d on d.code = o.division_code
where o.month between date_trunc('month', $start::date) and $end::date
  and starts_with(o.division_code, $scope_prefix)
  and ($code_len = 0 or (d.level <> 'city' and length(o.division_code) >= $code_len))
group by all
order by month, division_code, metric
