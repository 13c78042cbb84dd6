-- kind: data
-- proves: per event day of the window, gold.hourly_revenue revenue, purchases and units equal silver
--   purchases
--
-- Exact inside the window: gold and silver are both partitioned by event_date, and a gold day
-- is computed from that day of silver only.
WITH s AS (
  SELECT
    event_date,
    COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN revenue END), 0) AS revenue,
    SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
    COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN quantity END), 0) AS units
  FROM {{silver.events}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
g AS (
  SELECT event_date, SUM(revenue) AS revenue, SUM(purchases) AS purchases, SUM(units) AS units
  FROM {{gold.hourly_revenue}} WHERE {{window.event_dates}}
  GROUP BY event_date
),
d AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  CAST(COALESCE(SUM(CASE WHEN s.event_date IS NULL OR g.event_date IS NULL OR s.revenue <> g.revenue OR s.purchases <> g.purchases OR s.units <> g.units THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'dates=' || CAST(COUNT(*) AS VARCHAR(64))
    || ' gold hourly_revenue revenue=' || CAST(COALESCE(SUM(g.revenue), 0) AS VARCHAR(64))
    || ' silver=' || CAST(COALESCE(SUM(s.revenue), 0) AS VARCHAR(64)) AS observed
FROM d
LEFT JOIN s ON s.event_date = d.event_date
LEFT JOIN g ON g.event_date = d.event_date
