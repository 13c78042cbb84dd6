-- kind: data
-- proves: no negative revenue in silver or gold.hourly_revenue on the window's event days
WITH v AS (
  SELECT revenue FROM {{silver.events}} WHERE {{window.event_dates}} AND revenue IS NOT NULL
  UNION ALL
  SELECT revenue FROM {{gold.hourly_revenue}} WHERE {{window.event_dates}}
)
SELECT
  CAST(COALESCE(SUM(CASE WHEN revenue < 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'min revenue=' || COALESCE(CAST(MIN(revenue) AS VARCHAR(64)), 'n/a') AS observed
FROM v
