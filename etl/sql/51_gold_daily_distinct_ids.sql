-- Step `gold_daily_distinct_ids` (writes gold.daily_distinct_ids): for each day whose silver
-- the batch changed, every distinct user and every distinct session with an event that day, one
-- per row, with the hours of the day it has events in as a bitmask (bit h = hour h). The day's
-- set as the lake holds it (day_distinct_ids) gains the bits of the records the batch added; the
-- bits of an hour rewritten for files processed again are recomputed whole from its silver rows
-- (silver_hours), so an id whose only hours were rewritten without it is dropped. A batch reads
-- the day's distinct ids and its own records, never the day's events.
WITH rewritten AS (
  SELECT event_date, bit_or(shiftleft(1, event_hour)) AS hours
  FROM silver_rewritten_partitions
  GROUP BY event_date
),
kept AS (
  SELECT d.user_id, d.session_id, d.event_date, d.hours & ~COALESCE(w.hours, 0) AS hours
  FROM day_distinct_ids d
  LEFT JOIN rewritten w ON w.event_date = d.event_date
),
seen AS (
  SELECT user_id, session_id, event_date, event_hour
  FROM silver_ranked
  WHERE NOT is_duplicate
  UNION ALL
  SELECT user_id, session_id, event_date, event_hour
  FROM silver_hours
),
recomputed AS (
  SELECT user_id, CAST(NULL AS STRING) AS session_id, event_date, bit_or(shiftleft(1, event_hour)) AS hours
  FROM seen
  GROUP BY user_id, event_date
  UNION ALL
  SELECT CAST(NULL AS STRING) AS user_id, session_id, event_date, bit_or(shiftleft(1, event_hour)) AS hours
  FROM seen
  GROUP BY session_id, event_date
)
SELECT user_id, session_id, CAST(bit_or(hours) AS INT) AS hours, event_date
FROM (
  SELECT * FROM kept
  UNION ALL
  SELECT * FROM recomputed
) ids
GROUP BY user_id, session_id, event_date
HAVING bit_or(hours) <> 0
