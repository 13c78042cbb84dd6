-- Step `gold_product_funnel` (writes gold.product_funnel): per product and day, views,
-- add-to-carts and purchases. Whole days are recomputed from silver (view silver_days holds
-- every row of each day the batch touched), so replays and late events stay exact.
SELECT
  product_id,
  category,
  CAST(SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS BIGINT) AS views,
  CAST(SUM(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS BIGINT) AS add_to_carts,
  CAST(SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS BIGINT) AS purchases,
  event_date
FROM silver_days
WHERE event_type IN ('page_view', 'add_to_cart', 'purchase')
GROUP BY event_date, product_id, category
