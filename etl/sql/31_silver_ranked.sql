-- Step `silver_ranked`: the valid records of the batch, each marked duplicate or not.
--
-- A record is a duplicate when an identical event (same event_key) is kept before it: one
-- already in silver from another file, or an earlier one of this batch (earlier file, or earlier
-- in the same file). Duplicates carry the same event time, so they always meet in the same
-- partition: the keys of the partitions the batch touches (silver_keys) are enough to
-- deduplicate against every batch ever processed. Rows of files being processed again do not
-- count as already kept (this batch's rows replace them).
WITH lake_keys AS (
  -- unique: silver holds each event_key once, so the join below never multiplies a row
  SELECT event_key
  FROM silver_keys
  WHERE source_file NOT IN (SELECT source_file FROM files_in_lake WHERE replaces_rows)
),
ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_key ORDER BY source_file) AS batch_rank
  FROM silver_batch
)
SELECT
  r.event_key, r.event_ts, r.user_id, r.session_id, r.event_type, r.product_id, r.quantity, r.price,
  r.category, r.search_query, r.revenue, r.source_file, r.ingested_at, r.event_date, r.event_hour,
  (r.batch_rank > 1 OR k.event_key IS NOT NULL) AS is_duplicate
FROM ranked r
LEFT JOIN lake_keys k ON k.event_key = r.event_key
