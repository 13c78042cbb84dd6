-- Step `bronze_batch`: every line of the batch that parsed as a JSON object, its nine fields
-- as landed (text, unvalidated), with lineage, in the source path's partition.
SELECT
  event_timestamp,
  user_id,
  session_id,
  event_type,
  product_id,
  quantity,
  price,
  category,
  search_query,
  source_file,
  ingested_at,
  year,
  month,
  day,
  hour
FROM parsed
WHERE is_object
