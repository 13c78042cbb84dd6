-- kind: structural
-- proves: table {{table.id}} can be read
--
-- Instantiated once per lake table. Cheap on any lake: at most one row, of the window's
-- partitions only (an unfiltered read would make Athena project every partition since the
-- lake's first year). An empty window passes: the table's definition and files still resolve.
SELECT
  CAST(0 AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  CAST(COUNT(*) AS VARCHAR(64)) || ' row(s) read of at most 1 in the window' AS observed
FROM (SELECT * FROM {{table}} WHERE {{table.window}} LIMIT 1) t
