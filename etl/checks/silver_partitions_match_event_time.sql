-- kind: data
-- proves: every silver row of the window's event days sits in the event_date/event_hour
--   partition of its own event_ts (UTC)
SELECT
  CAST(COALESCE(SUM(CASE WHEN CAST(event_ts AS DATE) <> event_date OR hour(event_ts) <> event_hour THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'rows=' || CAST(COUNT(*) AS VARCHAR(64)) AS observed
FROM {{silver.events}} WHERE {{window.event_dates}}
