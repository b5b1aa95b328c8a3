-- Resources (universities, bases, studios, schools, funds) of a division, of the divisions below it,
-- and of the divisions above it that serve it.
-- Params: $resources_parquet; $code (the division's code); $prefix (its code, or '' for the city);
--   $ancestors (codes of the divisions above it, city first); $end (date: opened by then).
select
    r.*,
    case
        when r.division_code = $code then 'own'
        when r.division_code = any($ancestors) then 'above'
        else 'below'
    end as relation
from read_parquet($resources_parquet) as r
where r.opened <= $end::date
  and (r.division_code = $code or r.division_code = any($ancestors) or starts_with(r.division_code, $prefix))
order by r.kind, r.opened, r.resource_id
