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
  year,
  month,
  day,
  hour
FROM batch_sources
WHERE read_error IS NOT NULL
