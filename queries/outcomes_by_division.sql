-- Outcome metrics per division: the period's last value (for cumulative counts) and the period's sum (for flows).
-- Params: $outcomes_parquet, $divisions_parquet; $group_len (0, 6, 9 or 12: the grouping level's code length); $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city);
--   $starts, $ends, $scopes (the windows, one row per window in the result: see the windows macro in _macros.sql).
-- Rows recorded above the grouping level are left out of finer groupings.
with in_period as (
    select w.window_id, o.*
    from read_parquet($outcomes_parquet) as o
    inner join read_parquet($divisions_parquet) as d on d.code = o.division_code
    inner join windows($starts, $ends, $scopes) as w
        on o.month between date_trunc('month', w.w_start) and w.w_end
        and starts_with(o.division_code, w.w_scope)
    where in_scope(o.division_code, $prefix_len, $prefixes)
      and ($group_len = 0 or (d.level <> 'city' and length(o.division_code) >= $group_len))
),

per_series as (
    select
        window_id,
        division_code,
        programme_id,
        metric,
        arg_max(value, month) as last_value,
        sum(value) as period_sum
    from in_period
    group by all
)

select
    window_id,
    left(division_code, $group_len) as division_code,
    metric,
    sum(last_value) as stock_value,
    sum(period_sum) as flow_value
from per_series
group by all
order by window_id, division_code, metric
