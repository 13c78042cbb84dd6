-- Step `bronze` (writes bronze.events): the complete new content of every partition the batch
-- touches = rows already there from other files + this batch's rows. Rows of a file that is
-- processed again (it changed, or a crashed run is being completed) are replaced, not doubled.
SELECT
  event_timestamp, user_id, session_id, event_type, product_id, quantity, price, category, search_query,
  source_file, ingested_at, year, month, day, hour
FROM bronze_existing
WHERE source_file NOT IN (SELECT source_file FROM batch_sources WHERE replaces_rows)
UNION ALL
SELECT
  event_timestamp, user_id, session_id, event_type, product_id, quantity, price, category, search_query,
  source_file, ingested_at, year, month, day, hour
FROM bronze_batch
