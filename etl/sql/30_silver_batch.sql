-- Step `silver_batch`: the valid records of the batch, typed, before deduplication,
-- partitioned by EVENT time (UTC), not by the time in the file's path. A text field is its
-- landed text, with "" missing like null and absent (01_parsed.sql validated it as such).
SELECT
  event_ts,
  NULLIF(user_id, '') AS user_id,
  NULLIF(session_id, '') AS session_id,
  NULLIF(event_type, '') AS event_type,
  NULLIF(product_id, '') AS product_id,
  quantity_value AS quantity,
  price_value AS price,
  NULLIF(category, '') AS category,
  NULLIF(search_query, '') AS search_query,
  revenue,
  source_file,
  ingested_at,
  event_date,
  event_hour
FROM parsed
WHERE reason IS NULL
