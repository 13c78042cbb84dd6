-- Step `silver` (writes silver.events): the new content of every touched (event_date,
-- event_hour) partition, deduplicated on event_key.
--
-- Duplicates carry the same event time, so they always meet in the same partition: reading
-- only the touched partitions is enough to deduplicate across every batch ever processed.
-- The row already in the lake wins (origin 0), then the earliest source file; rows of the
-- files being (re)processed are taken from the batch, never from the lake, so replaying a
-- batch gives the same result.
SELECT
  event_key, event_ts, user_id, session_id, event_type, product_id, quantity, price, category,
  search_query, revenue, source_file, ingested_at, event_date, event_hour
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_key ORDER BY origin, source_file) AS keep_rank
  FROM (
    SELECT
      event_key, event_ts, user_id, session_id, event_type, product_id, quantity, price, category,
      search_query, revenue, source_file, ingested_at, event_date, event_hour, 0 AS origin
    FROM silver_existing
    WHERE source_file NOT IN (SELECT source_file FROM batch_sources WHERE replaces_rows)
    UNION ALL
    SELECT
      event_key, event_ts, user_id, session_id, event_type, product_id, quantity, price, category,
      search_query, revenue, source_file, ingested_at, event_date, event_hour, 1 AS origin
    FROM silver_batch
  ) candidates
) ranked
WHERE keep_rank = 1
