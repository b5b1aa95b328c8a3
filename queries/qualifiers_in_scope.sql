-- Values typed with a qualifier (余, 近, 约 ...) in a scope for one month of a monthly table, so the
-- UI can show "40余" instead of a bare 40.
-- Params: $value_qualifiers_parquet; $table ('headcounts' or 'outcomes'); $month (first day);
--   $prefix_len, $prefixes (the scope: codes whose first $prefix_len characters are one of $prefixes; 0 and [''] for the city).
-- Row keys are "month|division ..." (see docs/data-contract.md, value_qualifiers).
select
    q.column,
    case when q.table = 'outcomes' then split_part(q.row_key, '|', 4) else q.column end as metric_column,
    split_part(q.row_key, '|', 2) as division_code,
    q.qualifier
from read_parquet($value_qualifiers_parquet) as q
where q.table = $table
  and split_part(q.row_key, '|', 1) = strftime($month::date, '%Y-%m-%d')
  and in_scope(split_part(q.row_key, '|', 2), $prefix_len, $prefixes)
order by metric_column, division_code
