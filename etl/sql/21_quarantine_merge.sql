-- Step `quarantine` (writes quarantine.events): other files' rows of each touched partition +
-- this batch's rejects (a reprocessed file's old entries are replaced).
SELECT raw_line, reason, detail, source_file, ingested_at, year, month, day, hour
FROM quarantine_existing
WHERE source_file NOT IN (SELECT source_file FROM batch_files)
UNION ALL
SELECT raw_line, reason, detail, source_file, ingested_at, year, month, day, hour
FROM quarantine_batch
