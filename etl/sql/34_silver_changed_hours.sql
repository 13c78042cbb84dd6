-- Step `silver_changed_hours`: the silver hours whose rows this batch changed: the hours it
-- added records to, and the hours rewritten for files processed again. Gold changes for these
-- hours (and their days) only: an hour the batch reached only with duplicates of events silver
-- already holds has the rows it had, so its gold stays as it is.
SELECT DISTINCT event_date, event_hour
FROM silver_ranked
WHERE NOT is_duplicate
UNION
SELECT event_date, event_hour
FROM silver_rewritten_partitions
