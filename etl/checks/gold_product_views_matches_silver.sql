-- kind: data
-- proves: per event day of the window, gold.product_views views equal the silver page_view count
--
-- Exact inside the window: gold and silver are both partitioned by event_date, and a gold day
-- is computed from that day of silver only.
WITH s AS (
  SELECT event_date, COUNT(*) AS views
  FROM {{silver.events}} WHERE {{window.event_dates}} AND event_type = 'page_view'
  GROUP BY event_date
),
g AS (
  SELECT event_date, SUM(views) AS views
  FROM {{gold.product_views}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
d AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  CAST(COALESCE(SUM(CASE WHEN s.event_date IS NULL OR g.event_date IS NULL OR s.views <> g.views THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'dates=' || CAST(COUNT(*) AS VARCHAR(64))
    || ' gold product_views views=' || CAST(CAST(COALESCE(SUM(g.views), 0) AS BIGINT) AS VARCHAR(64))
    || ' silver=' || CAST(CAST(COALESCE(SUM(s.views), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM d
LEFT JOIN s ON s.event_date = d.event_date
LEFT JOIN g ON g.event_date = d.event_date
