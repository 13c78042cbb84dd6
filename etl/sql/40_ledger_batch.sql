-- Step `ledger_batch`: one row per file of the batch with its reconciliation figures.
--
-- Each figure is counted on its own from a different view (lines from batch_lines, rows from
-- the written bronze/silver/quarantine results, duplicates from silver_ranked), never obtained
-- as a difference, so that the reconciliation check
--   lines_read = silver_rows_added + duplicates_dropped + records_quarantined
-- can actually catch a merge that loses or doubles rows.
WITH lines_per_file AS (
  -- records: the lines 01_parsed.sql does not skip as blank
  SELECT source_file, COUNT(*) AS n
  FROM batch_lines
  WHERE line_problem IS NOT NULL OR regexp_like(line, '[^ ]')
  GROUP BY source_file
),
bronze_per_file AS (
  SELECT source_file, COUNT(*) AS n
  FROM bronze
  WHERE source_file IN (SELECT source_file FROM batch_files)
  GROUP BY source_file
),
silver_per_file AS (
  SELECT source_file, COUNT(*) AS n
  FROM silver
  WHERE source_file IN (SELECT source_file FROM batch_files)
  GROUP BY source_file
),
duplicates_per_file AS (
  SELECT source_file, COUNT(*) AS n
  FROM silver_ranked
  WHERE is_duplicate
  GROUP BY source_file
),
quarantine_per_file AS (
  SELECT source_file, COUNT(*) AS n
  FROM quarantine
  WHERE source_file IN (SELECT source_file FROM batch_files)
  GROUP BY source_file
)
SELECT
  f.source_file,
  f.ingested_at,
  CAST(COALESCE(l.n, 0) AS BIGINT) AS lines_read,
  CAST(COALESCE(b.n, 0) AS BIGINT) AS bronze_rows,
  CAST(COALESCE(s.n, 0) AS BIGINT) AS silver_rows_added,
  CAST(COALESCE(d.n, 0) AS BIGINT) AS duplicates_dropped,
  CAST(COALESCE(q.n, 0) AS BIGINT) AS records_quarantined,
  -- not read whole (a changed file was read whole before and is only reported now)
  COALESCE(f.read_problem <> 'changed_file', f.read_error IS NOT NULL) AS corrupt,
  f.replaces_rows,
  f.year,
  f.month,
  f.day,
  f.hour
FROM batch_sources f
LEFT JOIN lines_per_file l ON l.source_file = f.source_file
LEFT JOIN bronze_per_file b ON b.source_file = f.source_file
LEFT JOIN silver_per_file s ON s.source_file = f.source_file
LEFT JOIN duplicates_per_file d ON d.source_file = f.source_file
LEFT JOIN quarantine_per_file q ON q.source_file = f.source_file
