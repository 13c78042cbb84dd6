-- kind: data
-- proves: no two silver rows of the window's event days are the same event (all nine fields
--   equal; duplicates are dropped across all batches)
--
-- Exact inside the window: two copies of one event have the same event time, so they always
-- sit in the same event_date partition.
SELECT
  CAST(COALESCE(SUM(n - 1), 0) AS BIGINT) AS failures,
  CAST(COALESCE(SUM(n), 0) AS BIGINT) AS rows_checked,
  'events=' || CAST(COUNT(*) AS VARCHAR(64)) || ' extra copies=' || CAST(CAST(COALESCE(SUM(n - 1), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM (
  SELECT COUNT(*) AS n
  FROM {{silver.events}} WHERE {{window.event_dates}}
  GROUP BY event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
) k
