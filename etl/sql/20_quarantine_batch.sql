-- Step `quarantine_batch`: every rejected line of the batch with its reason, plus one
-- corrupt_file entry per file that could not be decompressed (nothing else is read from it).
SELECT
  raw_line,
  reason,
  detail,
  source_file,
  ingested_at,
  year,
  month,
  day,
  hour
FROM parsed
WHERE reason IS NOT NULL
UNION ALL
SELECT
  CAST(NULL AS STRING) AS raw_line,
  'corrupt_file' AS reason,
  read_error AS detail,
  source_file,
  ingested_at,
  regexp_extract(source_file, 'year=([0-9]{4})/', 1) AS year,
  regexp_extract(source_file, 'month=([0-9]{2})/', 1) AS month,
  regexp_extract(source_file, 'day=([0-9]{2})/', 1) AS day,
  regexp_extract(source_file, 'hour=([0-9]{2})/', 1) AS hour
FROM batch_files
WHERE read_error IS NOT NULL
