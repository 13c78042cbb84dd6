-- Step `gold_category_daily` (writes gold.category_daily): per category and day, events by type.
-- Searches carry no category and count under '(none)' (NO_CATEGORY in etl/schema.ts), so a
-- day's categories add up to all its events.
SELECT
  COALESCE(category, '(none)') AS category,
  CAST(SUM(events) AS BIGINT) AS events,
  CAST(SUM(CASE WHEN event_type = 'page_view' THEN events ELSE 0 END) AS BIGINT) AS page_views,
  CAST(SUM(CASE WHEN event_type = 'add_to_cart' THEN events ELSE 0 END) AS BIGINT) AS add_to_carts,
  CAST(SUM(CASE WHEN event_type = 'remove_from_cart' THEN events ELSE 0 END) AS BIGINT) AS remove_from_carts,
  CAST(SUM(CASE WHEN event_type = 'purchase' THEN events ELSE 0 END) AS BIGINT) AS purchases,
  CAST(SUM(CASE WHEN event_type = 'search' THEN events ELSE 0 END) AS BIGINT) AS searches,
  event_date
FROM day_event_counts
GROUP BY event_date, COALESCE(category, '(none)')
