-- kind: data
-- proves: per event day of the window, gold.user_activity events, distinct users and distinct sessions
--   equal silver (exact distinct counts per day)
-- template: gold_matches_silver
-- @silver
SELECT event_date, COUNT(*) AS events, COUNT(DISTINCT user_id) AS unique_users, COUNT(DISTINCT session_id) AS unique_sessions
FROM {{silver.events}} WHERE {{window.event_dates}}
GROUP BY event_date
-- @gold
SELECT event_date, SUM(events) AS events, SUM(unique_users) AS unique_users, SUM(unique_sessions) AS unique_sessions
FROM {{gold.user_activity}} WHERE {{window.event_dates}}
GROUP BY event_date
