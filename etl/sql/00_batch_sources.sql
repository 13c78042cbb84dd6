-- Step `batch_sources`: every file of the batch, readable or not, with the partitions of its
-- source path (events/year=YYYY/month=MM/day=DD/hour=HH/...). The path format is parsed here
-- once; bronze, quarantine and the file ledger are partitioned by it.
-- replaces_rows: the file was read (or failed while being read), so its rows from an earlier
-- attempt are replaced by this batch's. A changed file (sources are immutable by contract) or an
-- unreadable one is only reported: whatever the lake holds of it stays.
SELECT
  source_file,
  ingested_at,
  read_error,
  read_problem,
  (read_problem IS NULL OR read_problem NOT IN ('changed_file', 'unreadable_file')) AS replaces_rows,
  regexp_extract(source_file, 'year=([0-9]{4})/', 1) AS year,
  regexp_extract(source_file, 'month=([0-9]{2})/', 1) AS month,
  regexp_extract(source_file, 'day=([0-9]{2})/', 1) AS day,
  regexp_extract(source_file, 'hour=([0-9]{2})/', 1) AS hour
FROM batch_files
