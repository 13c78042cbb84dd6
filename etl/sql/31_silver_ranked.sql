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
-- Only the events the batch holds more than once need ranking: every other record is the first
-- of its event. Ranking them all would sort the whole batch by the nine fields.
repeated AS (
  SELECT event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query, true AS is_repeated
  FROM silver_batch
  GROUP BY event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
  HAVING COUNT(*) > 1
),
marked AS (
  SELECT b.*, COALESCE(r.is_repeated, false) AS is_repeated
  FROM silver_batch b
  LEFT JOIN repeated r
    ON r.event_ts = b.event_ts
    AND r.user_id = b.user_id
    AND r.session_id = b.session_id
    AND r.event_type = b.event_type
    AND r.product_id IS NOT DISTINCT FROM b.product_id
    AND r.quantity IS NOT DISTINCT FROM b.quantity
    AND r.price IS NOT DISTINCT FROM b.price
    AND r.category IS NOT DISTINCT FROM b.category
    AND r.search_query IS NOT DISTINCT FROM b.search_query
),
ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
      ORDER BY source_file
    ) AS batch_rank
  FROM marked
  WHERE is_repeated
  UNION ALL
  SELECT *, 1 AS batch_rank
  FROM marked
  WHERE NOT is_repeated
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
