-- Step `gold_user_activity` (writes gold.user_activity): per day, distinct users and sessions and
-- events. Distinct counts are taken over the day's set of distinct ids (gold_daily_distinct_ids,
-- one row per id), never added across hours or batches.
WITH ids AS (
  SELECT
    event_date,
    COUNT(DISTINCT user_id) AS unique_users,
    COUNT(DISTINCT session_id) AS unique_sessions
  FROM gold_daily_distinct_ids
  GROUP BY event_date
),
events AS (
  SELECT event_date, SUM(events) AS events
  FROM day_event_counts
  GROUP BY event_date
)
SELECT
  CAST(i.unique_users AS BIGINT) AS unique_users,
  CAST(i.unique_sessions AS BIGINT) AS unique_sessions,
  CAST(e.events AS BIGINT) AS events,
  e.event_date
FROM events e
JOIN ids i ON i.event_date = e.event_date
