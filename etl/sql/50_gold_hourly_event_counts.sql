-- Step `gold_hourly_event_counts` (writes gold.hourly_event_counts): each silver hour the batch
-- changed (silver_changed_hours), recomputed whole from silver_hours (every row of those hours,
-- this batch's included), so replays and late events stay exact while the work stays within
-- the batch's hours.
SELECT
  event_type,
  product_id,
  category,
  CAST(COUNT(*) AS BIGINT) AS events,
  CAST(SUM(quantity) AS BIGINT) AS units,
  CAST(SUM(revenue) AS DECIMAL(18, 2)) AS revenue,
  event_date,
  event_hour
FROM silver_hours
GROUP BY event_date, event_hour, event_type, product_id, category
