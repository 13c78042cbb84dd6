-- Step `run_quarantine_reasons` (report): this batch's quarantine entries by reason.
SELECT
  reason,
  CAST(COUNT(*) AS BIGINT) AS records
FROM quarantine_batch
GROUP BY reason
ORDER BY reason
