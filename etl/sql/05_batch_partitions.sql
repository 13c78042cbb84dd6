-- Step `batch_partitions`: the source-path partitions (year/month/day/hour) of every file of the
-- batch, readable or not. bronze, quarantine and the file ledger are partitioned by source path,
-- so these are exactly the partitions where a reprocessed file can have old rows to replace,
-- even when its new content adds no row there (e.g. a corrupt file that was fixed).
SELECT DISTINCT year, month, day, hour
FROM batch_sources
