-- Step `gold_user_activity` (writes gold.user_activity): per day, distinct users and sessions and
-- events. Distinct counts are taken over the whole day in silver, never added across batches.
SELECT
  CAST(COUNT(DISTINCT user_id) AS BIGINT) AS unique_users,
  CAST(COUNT(DISTINCT session_id) AS BIGINT) AS unique_sessions,
  CAST(COUNT(*) AS BIGINT) AS events,
  event_date
FROM silver_days
GROUP BY event_date
