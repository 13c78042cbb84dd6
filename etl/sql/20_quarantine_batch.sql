-- Step `quarantine_batch`: every rejected line of the batch with its reason, plus one entry per
-- file that was not read whole (corrupt_file, unreadable_file, file_too_large) or that changed
-- after it was processed (changed_file), with why in detail.
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
  COALESCE(read_problem, 'corrupt_file') AS reason,
  read_error AS detail,
  source_file,
  ingested_at,
  year,
  month,
  day,
  hour
FROM batch_sources
WHERE read_error IS NOT NULL
