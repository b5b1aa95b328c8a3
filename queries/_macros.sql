-- Shared SQL rules, defined once and created on every connection (govdash.core.engine.query.connect).
-- Each rule here was once copied into several query files; tests/test_query.py checks that every
-- macro is used and that no query file writes one of these rules out again.

-- The pilot start each community counts from: its own, else its street's, district's or the city's.
-- Used by: activities_by_division, response_histogram. The Python twin, divisions.effective_pilot_start,
-- is proven equal to it for every community by tests/test_query.py.
create or replace macro pilot_starts(divisions_path) as table
    select
        c.code as community_code,
        coalesce(c.pilot_start, s.pilot_start, d.pilot_start, city.pilot_start) as pilot_start
    from read_parquet(divisions_path) as c
    left join read_parquet(divisions_path) as s on s.code = left(c.code, 9) and s.level = 'street'
    left join read_parquet(divisions_path) as d on d.code = left(c.code, 6) and d.level = 'district'
    cross join (select pilot_start from read_parquet(divisions_path) where level = 'city') as city
    where c.level = 'community';

-- The activity filters of the sidebar: a NULL list means "all".
create or replace macro activity_passes(
    category, target_group, team_type, categories, target_groups, team_types
) as
    (categories is null or list_contains(categories, category))
    and (target_groups is null or list_contains(target_groups, target_group))
    and (team_types is null or list_contains(team_types, team_type));

-- The scope convention of every query: a division code is in scope when its first $prefix_len
-- characters are one of $prefixes (0 and [''] for the whole city).
create or replace macro in_scope(code, prefix_len, prefixes) as
    list_contains(prefixes, left(code, prefix_len));

-- The communities that sent a monthly headcount report (a row with at least one figure) per month
-- in [start_month, end_month]. A community without one is missing, never zero.
create or replace macro reported_communities(headcounts_path, start_month, end_month) as table
    select distinct h.month, h.community_code
    from read_parquet(headcounts_path) as h
    where h.month between start_month and end_month
      and coalesce(
          h.social_workers, h.community_workers, h.registered_volunteers, h.volunteer_backbones,
          h.volunteer_teams, h.new_employment_teams, h.mobile_grid_workers
      ) is not null;

-- The rows of a rollup (activity_rollup, response_rollup) that answer a question: the kind of row it needs (detail rows
-- when it filters by category, target group or team type, else summary rows), the grain its scope and grouping need,
-- the scope (first as a range of codes, which lets DuckDB skip whole row groups of the sorted file), and the filters.
-- Used by every query that reads those rollups; govdash.core.engine.rollups chooses the grain and the range.
create or replace macro rollup_rows(
    rollup_path, want_detail, want_grain, code_min, code_max, prefix_len, prefixes,
    categories, target_groups, team_types
) as table
    select r.*
    from read_parquet(rollup_path) as r
    where r.detail = want_detail
      and r.grain = want_grain
      and r.division_code between code_min and code_max
      and in_scope(r.division_code, prefix_len, prefixes)
      and activity_passes(r.category, r.target_group, r.team_type, categories, target_groups, team_types);

-- The rows every division-level rollup holds for each group of activities: each grain (the division code cut to
-- 6, 9 or 12 characters) as summary and as detail rows. Used by build_activity_rollup and build_response_rollup.
create or replace macro rollup_keys() as table
    select g.grain, g.code_len, k.detail
    from (values ('district', 6), ('street', 9), ('community', 12)) as g(grain, code_len)
    cross join (values (true), (false)) as k(detail);

-- The windows one query answers at once (the KPI cards' now, before and at pilot start; every reported fact): the
-- i-th start, end and scope, numbered from 0. A row belongs to a window when its date is in [start, end] and its
-- division code starts with the window's scope ('' for anywhere in the query's scope). Used by every *_by_division query.
create or replace macro windows(starts, ends, scopes) as table
    select
        unnest(range(len(starts))) as window_id,
        unnest(starts)::date as w_start,
        unnest(ends)::date as w_end,
        unnest(scopes) as w_scope;
