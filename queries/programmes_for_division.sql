-- Programmes and brands that concern a division: run by it, by a division above it, or below it.
-- Params: $programmes_parquet; $code (the division's code); $prefix (its code, or '' for the city);
--   $ancestors (codes of the divisions above it, city first).
select
    p.*,
    case
        when p.owner_code = $code then 'own'
        when p.owner_code = any($ancestors) then 'above'
        else 'below'
    end as relation
from read_parquet($programmes_parquet) as p
where p.owner_code = $code
   or p.owner_code = any($ancestors)
   or starts_with(p.owner_code, $prefix)
order by relation, p.launch_date, p.programme_id
