-- Step `batch_sources`: every file of the batch, readable or not, with the partitions of its
-- source path (events/year=YYYY/month=MM/day=DD/hour=HH/...). The path format is parsed here
-- once; bronze, quarantine and the file ledger are partitioned by it.
SELECT
  source_file,
  ingested_at,
  read_error,
  regexp_extract(source_file, 'year=([0-9]{4})/', 1) AS year,
  regexp_extract(source_file, 'month=([0-9]{2})/', 1) AS month,
  regexp_extract(source_file, 'day=([0-9]{2})/', 1) AS day,
  regexp_extract(source_file, 'hour=([0-9]{2})/', 1) AS hour
FROM batch_files
