-- Step `bronze` (writes bronze.events, appending): this batch's rows, plus, for each partition
-- being rewritten (bronze_existing loaded it: a file of the batch is already in the lake), the
-- rows it keeps from other files. Rows of a file that is processed again (a crashed run being
-- completed) are replaced, not doubled; a changed or unreadable file's rows stay.
-- The batch's rows are every line that parsed as a JSON object, its nine fields as landed (text,
-- unvalidated), with lineage, in the source path's partition. They are selected here rather than
-- in a step of their own, which each engine would store once more before this write.
SELECT
  event_timestamp, user_id, session_id, event_type, product_id, quantity, price, category, search_query,
  source_file, ingested_at, year, month, day, hour
FROM bronze_existing
WHERE source_file NOT IN (SELECT source_file FROM batch_sources WHERE replaces_rows)
UNION ALL
SELECT
  event_timestamp, user_id, session_id, event_type, product_id, quantity, price, category, search_query,
  source_file, ingested_at, year, month, day, hour
FROM parsed
WHERE is_object
