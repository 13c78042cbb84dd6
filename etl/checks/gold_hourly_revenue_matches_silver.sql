-- kind: data
-- proves: per event day of the window, gold.hourly_revenue revenue, purchases and units equal silver
--   purchases
-- template: gold_matches_silver
-- @silver
SELECT
  event_date,
  COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN revenue END), 0) AS revenue,
  SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
  COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN quantity END), 0) AS units
FROM {{silver.events}} WHERE {{window.event_dates}}
GROUP BY event_date
-- @gold
SELECT event_date, SUM(revenue) AS revenue, SUM(purchases) AS purchases, SUM(units) AS units
FROM {{gold.hourly_revenue}} WHERE {{window.event_dates}}
GROUP BY event_date
