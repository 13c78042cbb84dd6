-- Step `quarantine` (writes quarantine.events, appending): this batch's rejects, plus the rows
-- other files keep in each partition being rewritten (a reprocessed file's old entries are replaced; a changed or unreadable
-- file's entries stay, only its report entry is renewed).
SELECT raw_line, reason, detail, source_file, ingested_at, year, month, day, hour
FROM quarantine_existing
WHERE source_file NOT IN (SELECT source_file FROM batch_sources WHERE replaces_rows)
  -- a file reported again (still unreadable, changed again) keeps one entry per reason
  AND NOT (reason IN ('changed_file', 'unreadable_file') AND source_file IN (SELECT source_file FROM batch_sources))
UNION ALL
SELECT raw_line, reason, detail, source_file, ingested_at, year, month, day, hour
FROM quarantine_batch
