-- Step `gold_hourly_event_counts` (writes gold.hourly_event_counts): the blocks of every silver
-- hour the batch changed (silver_changed_hours). Events, units and revenue add up, so an hour the
-- batch only added records to gets its block as the lake holds it (hour_event_counts) plus the
-- records added; an hour rewritten for files processed again is recomputed whole from its
-- silver rows (silver_hours reads only those hours). The work follows the batch, not the
-- rows its hours already hold, and replays stay exact.
WITH held AS (
  SELECT c.event_type, c.product_id, c.category, c.events, c.units, c.revenue, c.event_date, c.event_hour
  FROM hour_event_counts c
  LEFT JOIN silver_rewritten_partitions w ON w.event_date = c.event_date AND w.event_hour = c.event_hour
  WHERE w.event_date IS NULL
),
added AS (
  SELECT s.event_type, s.product_id, s.category, s.quantity, s.revenue, s.event_date, s.event_hour
  FROM silver_ranked s
  LEFT JOIN silver_rewritten_partitions w ON w.event_date = s.event_date AND w.event_hour = s.event_hour
  WHERE NOT s.is_duplicate AND w.event_date IS NULL
  UNION ALL
  SELECT event_type, product_id, category, quantity, revenue, event_date, event_hour
  FROM silver_hours
),
blocks AS (
  SELECT event_type, product_id, category, events, units, revenue, event_date, event_hour
  FROM held
  UNION ALL
  SELECT
    event_type,
    product_id,
    category,
    CAST(1 AS BIGINT) AS events,
    CAST(quantity AS BIGINT) AS units,
    CAST(revenue AS DECIMAL(18, 2)) AS revenue,
    event_date,
    event_hour
  FROM added
)
SELECT
  event_type,
  product_id,
  category,
  CAST(SUM(events) AS BIGINT) AS events,
  CAST(SUM(units) AS BIGINT) AS units,
  CAST(SUM(revenue) AS DECIMAL(18, 2)) AS revenue,
  event_date,
  event_hour
FROM blocks
GROUP BY event_date, event_hour, event_type, product_id, category
