-- kind: data
-- proves: per event day of the window, gold.category_daily events and counts by type equal silver
--
-- Exact inside the window: gold and silver are both partitioned by event_date, and a gold day
-- is computed from that day of silver only.
WITH s AS (
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
),
g AS (
  SELECT
    event_date, SUM(events) AS events, SUM(page_views) AS page_views, SUM(add_to_carts) AS add_to_carts,
    SUM(remove_from_carts) AS remove_from_carts, SUM(purchases) AS purchases, SUM(searches) AS searches
  FROM {{gold.category_daily}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
d AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  CAST(COALESCE(SUM(CASE WHEN s.event_date IS NULL OR g.event_date IS NULL OR s.events <> g.events OR s.page_views <> g.page_views OR s.add_to_carts <> g.add_to_carts OR s.remove_from_carts <> g.remove_from_carts OR s.purchases <> g.purchases OR s.searches <> g.searches THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'dates=' || CAST(COUNT(*) AS VARCHAR(64))
    || ' gold category_daily events=' || CAST(CAST(COALESCE(SUM(g.events), 0) AS BIGINT) AS VARCHAR(64))
    || ' silver=' || CAST(CAST(COALESCE(SUM(s.events), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM d
LEFT JOIN s ON s.event_date = d.event_date
LEFT JOIN g ON g.event_date = d.event_date
