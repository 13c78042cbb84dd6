-- kind: data
-- proves: per event day of the window, gold.product_funnel views, add_to_carts and purchases equal
--   the silver event counts
--
-- Exact inside the window: gold and silver are both partitioned by event_date, and a gold day
-- is computed from that day of silver only.
WITH s AS (
  SELECT
    event_date,
    SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,
    SUM(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS add_to_carts,
    SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases
  FROM {{silver.events}} WHERE {{window.event_dates}} AND event_type IN ('page_view', 'add_to_cart', 'purchase')
  GROUP BY event_date
),
g AS (
  SELECT event_date, SUM(views) AS views, SUM(add_to_carts) AS add_to_carts, SUM(purchases) AS purchases
  FROM {{gold.product_funnel}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
d AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  CAST(COALESCE(SUM(CASE WHEN s.event_date IS NULL OR g.event_date IS NULL OR s.views <> g.views OR s.add_to_carts <> g.add_to_carts OR s.purchases <> g.purchases THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'dates=' || CAST(COUNT(*) AS VARCHAR(64))
    || ' gold product_funnel views=' || CAST(CAST(COALESCE(SUM(g.views), 0) AS BIGINT) AS VARCHAR(64))
    || ' silver=' || CAST(CAST(COALESCE(SUM(s.views), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM d
LEFT JOIN s ON s.event_date = d.event_date
LEFT JOIN g ON g.event_date = d.event_date
