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
-- Only a record whose time, user and session another record shares, in the batch or in the lake,
-- can be a duplicate: every other record is the first and only of its event. Those three fields
-- are never null in silver and almost always tell events apart, so the nine-field tests below
-- take only the few records that share them instead of the whole batch. The lake's rows are
-- matched with the batch on the three fields once (lake_matches): a batch whose time range spans
-- many lake rows reads each of them once and neither groups nor sorts them.
lake_matches AS (
  SELECT k.event_ts, k.user_id, k.session_id, k.event_type, k.product_id, k.quantity, k.price, k.category, k.search_query
  FROM lake_events k
  JOIN silver_batch b
    ON k.event_ts = b.event_ts
    AND k.user_id = b.user_id
    AND k.session_id = b.session_id
),
shared AS (
  SELECT event_ts, user_id, session_id, true AS is_shared
  FROM silver_batch
  GROUP BY event_ts, user_id, session_id
  HAVING COUNT(*) > 1
  UNION
  SELECT event_ts, user_id, session_id, true AS is_shared
  FROM lake_matches
),
marked AS (
  SELECT b.*, COALESCE(s.is_shared, false) AS is_shared
  FROM silver_batch b
  LEFT JOIN shared s
    ON s.event_ts = b.event_ts
    AND s.user_id = b.user_id
    AND s.session_id = b.session_id
),
-- Identical records share their time, user and session, so each event's records are all here.
ranked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
      ORDER BY source_file
    ) AS batch_rank
  FROM marked
  WHERE is_shared
),
-- The lake's events that the batch's records may repeat, once each: silver holds each event
-- once, but a lake written when events were compared below the millisecond can hold two rows
-- that are now equal, and a join with both would count the batch's record twice.
held AS (
  SELECT DISTINCT event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query
  FROM lake_matches
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
UNION ALL
SELECT
  event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query,
  revenue, source_file, ingested_at, event_date, event_hour, false AS is_duplicate
FROM marked
WHERE NOT is_shared
