-- kind: data
-- proves: no two silver rows of the window's event days share an event_key (duplicates are
--   dropped across all batches)
--
-- Exact inside the window: the key hashes the event time, so two copies of one event always
-- sit in the same event_date partition.
SELECT
  CAST(COALESCE(SUM(n - 1), 0) AS BIGINT) AS failures,
  CAST(COALESCE(SUM(n), 0) AS BIGINT) AS rows_checked,
  'keys=' || CAST(COUNT(*) AS VARCHAR(64)) || ' extra copies=' || CAST(CAST(COALESCE(SUM(n - 1), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM (
  SELECT event_key, COUNT(*) AS n
  FROM {{silver.events}} WHERE {{window.event_dates}}
  GROUP BY event_key
) k
