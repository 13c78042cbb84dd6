-- kind: data
-- proves: per event day of the window, a gold table's measures equal the ones computed from silver
--
-- Instantiated by each gold_*_matches_silver.sql file, which gives two queries returning
-- event_date and the same measures in the same order: `-- @silver` (from silver) and `-- @gold`
-- (the gold table summed per day). A day differs when its row is in one and not in the other
-- (EXCEPT both ways), so a measure that differs and a day missing on either side both count.
-- Exact inside the window: both sides are partitioned by event_date, and a gold day is computed
-- from that day of silver only.
WITH s AS (
{{silver}}
),
g AS (
{{gold}}
),
differing AS (
  SELECT event_date FROM (SELECT * FROM s EXCEPT SELECT * FROM g) only_silver
  UNION
  SELECT event_date FROM (SELECT * FROM g EXCEPT SELECT * FROM s) only_gold
),
days AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  CAST((SELECT COUNT(*) FROM differing) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'dates=' || CAST(COUNT(*) AS VARCHAR(64)) || ' differing=' || CAST((SELECT COUNT(*) FROM differing) AS VARCHAR(64)) AS observed
FROM days
