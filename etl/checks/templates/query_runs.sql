-- kind: structural
-- proves: deliverable query {{query.id}} ({{query.name}}) runs
--
-- Instantiated once per query of queries/queries.sql, whose gold table names become
-- placeholders. The queries read the small gold tables whole, as a user running them does.
SELECT
  CAST(0 AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  CAST(COUNT(*) AS VARCHAR(64)) || ' rows' AS observed
FROM (
{{query}}
) q
