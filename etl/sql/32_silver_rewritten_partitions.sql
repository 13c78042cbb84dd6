-- Step `silver_rewritten_partitions`: the silver partitions where files being processed again
-- already have rows (files_in_lake). Only these are rewritten; the batch's other rows are added.
SELECT DISTINCT event_date, event_hour
FROM silver_batch
WHERE source_file IN (SELECT source_file FROM files_in_lake WHERE replaces_rows)
