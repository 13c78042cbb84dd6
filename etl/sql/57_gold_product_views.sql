-- Step `gold_product_views` (writes gold.product_views): per product and day, page views.
SELECT
  product_id,
  category,
  CAST(SUM(events) AS BIGINT) AS views,
  event_date
FROM day_event_counts
WHERE event_type = 'page_view'
GROUP BY event_date, product_id, category
