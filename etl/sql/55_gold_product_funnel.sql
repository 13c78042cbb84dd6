-- Step `gold_product_funnel` (writes gold.product_funnel): per product and day, views,
-- add-to-carts and purchases. Each day whose silver the batch changed is summed again from its
-- hourly building blocks (day_event_counts holds every hour of those days), so it stays exact.
SELECT
  product_id,
  category,
  CAST(SUM(CASE WHEN event_type = 'page_view' THEN events ELSE 0 END) AS BIGINT) AS views,
  CAST(SUM(CASE WHEN event_type = 'add_to_cart' THEN events ELSE 0 END) AS BIGINT) AS add_to_carts,
  CAST(SUM(CASE WHEN event_type = 'purchase' THEN events ELSE 0 END) AS BIGINT) AS purchases,
  event_date
FROM day_event_counts
WHERE event_type IN ('page_view', 'add_to_cart', 'purchase')
GROUP BY event_date, product_id, category
