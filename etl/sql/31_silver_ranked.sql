-- Step `silver_ranked`: the valid records of the batch, each marked duplicate or not.
--
-- A record is a duplicate when an identical event is kept before it: one already in silver
-- from another file, or an earlier one of this batch (earlier file, or earlier in the same
-- file). Identical means equal in all nine fields as silver stores them: the time to the
-- millisecond, the price and quantity as numbers (so 19.8 and 19.80, Z and +00:00 are equal),
-- null equal to null. Duplicates carry the same event time, so they always meet in the same
-- partition and within the batch's time range: the rows of the partitions the batch touches,
-- between its first and last event time (silver_keys), are enough to deduplicate against every
-- batch ever processed. Rows of files being processed again do not count as already kept (this
-- batch's rows replace them).
WITH lake_events AS (
  SELECT event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
  FROM silver_keys
  WHERE source_file NOT IN (SELECT source_file FROM files_in_lake WHERE replaces_rows)
),
ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
      ORDER BY source_file
    ) AS batch_rank
  FROM silver_batch
),
-- The batch's events the lake already holds, once each: silver holds each event once, but a
-- lake written when events were compared below the millisecond can hold two rows that are now
-- equal, and a join with both would count the batch's record twice.
held AS (
  SELECT DISTINCT k.event_ts, k.user_id, k.session_id, k.event_type, k.product_id, k.quantity, k.price, k.category, k.search_query
  FROM lake_events k
  JOIN ranked r
    ON k.event_ts = r.event_ts
    AND k.user_id = r.user_id
    AND k.session_id = r.session_id
    AND k.event_type = r.event_type
    AND k.product_id IS NOT DISTINCT FROM r.product_id
    AND k.quantity IS NOT DISTINCT FROM r.quantity
    AND k.price IS NOT DISTINCT FROM r.price
    AND k.category IS NOT DISTINCT FROM r.category
    AND k.search_query IS NOT DISTINCT FROM r.search_query
)
SELECT
  r.event_ts, r.user_id, r.session_id, r.event_type, r.product_id, r.quantity, r.price,
  r.category, r.search_query, r.revenue, r.source_file, r.ingested_at, r.event_date, r.event_hour,
  (r.batch_rank > 1 OR h.event_ts IS NOT NULL) AS is_duplicate
FROM ranked r
LEFT JOIN held h
  ON h.event_ts = r.event_ts
  AND h.user_id = r.user_id
  AND h.session_id = r.session_id
  AND h.event_type = r.event_type
  AND h.product_id IS NOT DISTINCT FROM r.product_id
  AND h.quantity IS NOT DISTINCT FROM r.quantity
  AND h.price IS NOT DISTINCT FROM r.price
  AND h.category IS NOT DISTINCT FROM r.category
  AND h.search_query IS NOT DISTINCT FROM r.search_query
