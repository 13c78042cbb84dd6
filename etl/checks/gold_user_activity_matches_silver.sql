-- kind: data
-- proves: per event day of the window, gold.user_activity events, distinct users and distinct sessions
--   equal silver (exact distinct counts per day)
--
-- Exact inside the window: gold and silver are both partitioned by event_date, and a gold day
-- is computed from that day of silver only.
WITH s AS (
  SELECT event_date, COUNT(*) AS events, COUNT(DISTINCT user_id) AS unique_users, COUNT(DISTINCT session_id) AS unique_sessions
  FROM {{silver.events}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
g AS (
  SELECT event_date, SUM(events) AS events, SUM(unique_users) AS unique_users, SUM(unique_sessions) AS unique_sessions
  FROM {{gold.user_activity}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
d AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  CAST(COALESCE(SUM(CASE WHEN s.event_date IS NULL OR g.event_date IS NULL OR s.events <> g.events OR s.unique_users <> g.unique_users OR s.unique_sessions <> g.unique_sessions THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'dates=' || CAST(COUNT(*) AS VARCHAR(64))
    || ' gold user_activity events=' || CAST(CAST(COALESCE(SUM(g.events), 0) AS BIGINT) AS VARCHAR(64))
    || ' silver=' || CAST(CAST(COALESCE(SUM(s.events), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM d
LEFT JOIN s ON s.event_date = d.event_date
LEFT JOIN g ON g.event_date = d.event_date
