-- Step `silver` (writes silver.events, appending): the batch's records that are not duplicates,
-- plus, for each partition being rewritten (silver_existing loaded it), the rows it keeps from
-- other files. Rows of files being processed again come from the batch, never from the lake,
-- so replaying a batch gives the same result.
SELECT
  event_ts, user_id, session_id, event_type, product_id, quantity, price, category,
  search_query, revenue, source_file, ingested_at, event_date, event_hour
FROM silver_existing
WHERE source_file NOT IN (SELECT source_file FROM batch_sources WHERE replaces_rows)
UNION ALL
SELECT
  event_ts, user_id, session_id, event_type, product_id, quantity, price, category,
  search_query, revenue, source_file, ingested_at, event_date, event_hour
FROM silver_ranked
WHERE NOT is_duplicate
