-- kind: data
-- proves: per event day of the window, gold.category_daily events and counts by type equal silver
-- template: gold_matches_silver
-- @silver
SELECT
  event_date,
  COUNT(*) AS events,
  SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS page_views,
  SUM(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS add_to_carts,
  SUM(CASE WHEN event_type = 'remove_from_cart' THEN 1 ELSE 0 END) AS remove_from_carts,
  SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
  SUM(CASE WHEN event_type = 'search' THEN 1 ELSE 0 END) AS searches
FROM {{silver.events}} WHERE {{window.event_dates}}
GROUP BY event_date
-- @gold
SELECT
  event_date, SUM(events) AS events, SUM(page_views) AS page_views, SUM(add_to_carts) AS add_to_carts,
  SUM(remove_from_carts) AS remove_from_carts, SUM(purchases) AS purchases, SUM(searches) AS searches
FROM {{gold.category_daily}} WHERE {{window.event_dates}}
GROUP BY event_date
