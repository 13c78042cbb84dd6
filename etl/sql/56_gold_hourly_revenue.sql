-- Step `gold_hourly_revenue` (writes gold.hourly_revenue): per day and UTC hour with any event,
-- purchase revenue (0 when none), purchases and units sold.
SELECT
  event_hour,
  CAST(COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN revenue END), 0) AS DECIMAL(18, 2)) AS revenue,
  CAST(SUM(CASE WHEN event_type = 'purchase' THEN events ELSE 0 END) AS BIGINT) AS purchases,
  CAST(COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN units END), 0) AS BIGINT) AS units,
  event_date
FROM day_event_counts
GROUP BY event_date, event_hour
