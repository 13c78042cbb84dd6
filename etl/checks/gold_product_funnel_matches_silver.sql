-- kind: data
-- proves: per event day of the window, gold.product_funnel views, add_to_carts and purchases equal
--   the silver event counts
-- template: gold_matches_silver
-- @silver
SELECT
  event_date,
  SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,
  SUM(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS add_to_carts,
  SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases
FROM {{silver.events}} WHERE {{window.event_dates}} AND event_type IN ('page_view', 'add_to_cart', 'purchase')
GROUP BY event_date
-- @gold
SELECT event_date, SUM(views) AS views, SUM(add_to_carts) AS add_to_carts, SUM(purchases) AS purchases
FROM {{gold.product_funnel}} WHERE {{window.event_dates}}
GROUP BY event_date
