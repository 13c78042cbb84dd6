-- Step `gold_daily_distinct_ids` (writes gold.daily_distinct_ids): for each day whose silver
-- the batch changed, every distinct user and every distinct session with an event that day, one
-- per row, with the hours of the day it has events in as a bitmask (bit h = hour h). The changed
-- hours (silver_changed_hours) are recomputed whole from silver_hours; the day's other hours are
-- kept as the day's set (day_distinct_ids) holds them. So a batch reads the day's distinct ids,
-- never the day's events, and an id whose only hours were recomputed without it is dropped.
WITH changed AS (
  SELECT event_date, bit_or(shiftleft(1, event_hour)) AS hours
  FROM silver_changed_hours
  GROUP BY event_date
),
kept AS (
  SELECT d.user_id, d.session_id, d.event_date, d.hours & ~t.hours AS hours
  FROM day_distinct_ids d
  JOIN changed t ON t.event_date = d.event_date
),
recomputed AS (
  SELECT user_id, CAST(NULL AS STRING) AS session_id, event_date, bit_or(shiftleft(1, event_hour)) AS hours
  FROM silver_hours
  GROUP BY user_id, event_date
  UNION ALL
  SELECT CAST(NULL AS STRING) AS user_id, session_id, event_date, bit_or(shiftleft(1, event_hour)) AS hours
  FROM silver_hours
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
