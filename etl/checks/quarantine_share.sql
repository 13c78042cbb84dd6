-- kind: observation
-- proves: reports how many of the lines read from the window's source files were quarantined
--   and how many were dropped as duplicates
--
-- An observation: bad input is quarantined by design, so its share says something about the
-- source, not about the pipeline. `failures` is the number of records quarantined.
WITH l AS (
  SELECT
    CAST(COALESCE(SUM(lines_read), 0) AS BIGINT) AS lines_read,
    CAST(COALESCE(SUM(records_quarantined), 0) AS BIGINT) AS quarantined,
    CAST(COALESCE(SUM(duplicates_dropped), 0) AS BIGINT) AS duplicates
  FROM {{bronze.file_ledger}} WHERE {{window.source_days}}
)
SELECT
  quarantined AS failures,
  lines_read AS rows_checked,
  'quarantined=' || CAST(quarantined AS VARCHAR(64)) || ' of lines_read=' || CAST(lines_read AS VARCHAR(64))
    || ' (' || COALESCE(CAST(CAST(100 * CAST(quarantined AS DOUBLE) / NULLIF(CAST(lines_read AS DOUBLE), 0) AS DECIMAL(9, 2)) AS VARCHAR(64)), 'n/a') || '%)'
    || ' duplicates=' || CAST(duplicates AS VARCHAR(64)) AS observed
FROM l
