-- Shared SQL rules, defined once and created on every connection (govdash.core.query.connect).
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
    (categories is null or category = any(categories))
    and (target_groups is null or target_group = any(target_groups))
    and (team_types is null or team_type = any(team_types));

-- The scope convention of every query: a division code is in scope when its first $prefix_len
-- characters are one of $prefixes (0 and [''] for the whole city).
create or replace macro in_scope(code, prefix_len, prefixes) as
    left(code, prefix_len) = any(prefixes);

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
