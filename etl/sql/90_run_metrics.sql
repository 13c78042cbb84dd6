-- Step `run_metrics` (report): the batch's figures in one row.
-- lines_read = silver_rows_added + duplicates_dropped + records_quarantined; files not read whole
-- are counted apart (corrupt_files) and are not records (their quarantine entry has no raw_line).
SELECT
  CAST(COUNT(*) AS BIGINT) AS batch_files,
  CAST(COALESCE(SUM(lines_read), 0) AS BIGINT) AS lines_read,
  CAST(COALESCE(SUM(bronze_rows), 0) AS BIGINT) AS bronze_rows,
  CAST(COALESCE(SUM(silver_rows_added), 0) AS BIGINT) AS silver_rows_added,
  CAST(COALESCE(SUM(duplicates_dropped), 0) AS BIGINT) AS duplicates_dropped,
  CAST((SELECT COUNT(*) FROM quarantine_batch WHERE raw_line IS NOT NULL) AS BIGINT) AS records_quarantined,
  CAST(COALESCE(SUM(CASE WHEN corrupt THEN 1 ELSE 0 END), 0) AS BIGINT) AS corrupt_files
FROM ledger_batch
