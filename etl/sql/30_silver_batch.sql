-- Step `silver_batch`: the valid records of the batch, typed, before deduplication,
-- partitioned by EVENT time (UTC), not by the time in the file's path.
SELECT
  event_ts,
  user_id_value AS user_id,
  session_id_value AS session_id,
  event_type_value AS event_type,
  product_id_value AS product_id,
  quantity_value AS quantity,
  price_value AS price,
  category_value AS category,
  search_query_value AS search_query,
  revenue,
  source_file,
  ingested_at,
  event_date,
  event_hour
FROM parsed
WHERE reason IS NULL
