-- Step `files_in_lake`: the batch's files the lake already has a ledger row for (a crashed run
-- being completed, a retried unreadable file, a changed file reported). Their rows may already be
-- in bronze, quarantine and silver, so the partitions they touch are rewritten rather than
-- appended to. Every other file of the batch is new: its rows are only added.
SELECT source_file, replaces_rows, year, month, day, hour
FROM batch_sources
WHERE source_file IN (SELECT source_file FROM file_ledger_existing)
