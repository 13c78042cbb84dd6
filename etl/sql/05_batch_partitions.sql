-- Step `batch_partitions`: the source-path partitions (year/month/day/hour) of every file of the
-- batch, readable or not. bronze, quarantine and the file ledger are partitioned by source path,
-- so these are exactly the partitions where a reprocessed file can have old rows to replace,
-- even when its new content adds no row there (e.g. a corrupt file that was fixed).
SELECT DISTINCT
  regexp_extract(source_file, 'year=([0-9]{4})/', 1) AS year,
  regexp_extract(source_file, 'month=([0-9]{2})/', 1) AS month,
  regexp_extract(source_file, 'day=([0-9]{2})/', 1) AS day,
  regexp_extract(source_file, 'hour=([0-9]{2})/', 1) AS hour
FROM batch_files
