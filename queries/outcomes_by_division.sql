-- Outcome metrics per division: the period's last value (for cumulative counts) and the period's sum (for flows).
-- Params: $outcomes_parquet, $divisions_parquet; $code_len (0, 6, 9 or 12); $scope_prefix ('' for the city);
--   $start, $end (dates). Rows recorded above the grouping level are left out of finer groupings.
with in_period as (
    select o.*
    from read_parquet($outcomes_parquet) as o
    inner join read_parquet($divisions_parquet) as d on d.code = o.division_code
    where o.month between date_trunc('month', $start::date) and $end::date
      and starts_with(o.division_code, $scope_prefix)
      and ($code_len = 0 or (d.level <> 'city' and length(o.division_code) >= $code_len))
),

per_series as (
    select
        division_code,
        programme_id,
        metric,
        arg_max(value, month) as last_value,
        sum(value) as period_sum
    from in_period
    group by all
)

select
    left(division_code, $code_len) as division_code,
    metric,
    sum(last_value) as stock_value,
    sum(period_sum) as flow_value
from per_series
group by all
order by division_code, metric
