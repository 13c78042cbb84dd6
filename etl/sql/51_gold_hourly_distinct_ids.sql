-- Step `gold_hourly_distinct_ids` (writes gold.hourly_distinct_ids): each touched hour's distinct
-- users and sessions, one per row, recomputed whole from silver_hours.
SELECT DISTINCT user_id, CAST(NULL AS STRING) AS session_id, event_date, event_hour
FROM silver_hours
UNION ALL
SELECT DISTINCT CAST(NULL AS STRING) AS user_id, session_id, event_date, event_hour
FROM silver_hours
