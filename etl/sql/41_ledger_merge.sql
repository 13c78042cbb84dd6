-- Step `file_ledger` (writes bronze.file_ledger; its partitions hold one small row per file, so
-- every partition of the batch is rewritten): other files' rows of each touched partition +
-- one row per file of this batch (a reprocessed file's row is replaced). A changed or unreadable
-- file keeps the row it has (it describes what the lake holds of it); one that has none gets one.
SELECT
  source_file, ingested_at, lines_read, bronze_rows, silver_rows_added, duplicates_dropped,
  records_quarantined, corrupt, year, month, day, hour
FROM file_ledger_existing
WHERE source_file NOT IN (SELECT source_file FROM batch_sources WHERE replaces_rows)
UNION ALL
SELECT
  source_file, ingested_at, lines_read, bronze_rows, silver_rows_added, duplicates_dropped,
  records_quarantined, corrupt, year, month, day, hour
FROM ledger_batch
WHERE replaces_rows OR source_file NOT IN (SELECT source_file FROM file_ledger_existing)
