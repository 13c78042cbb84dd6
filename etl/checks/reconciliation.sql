-- kind: data
-- proves: per source file of the window's source days, lines_read = silver_rows_added +
--   duplicates_dropped + records_quarantined (a corrupt file: 0 lines, 1 entry), and the
--   ledger's figures match the rows actually in bronze, quarantine and silver
--
-- The files are those whose source path day is in the window. Bronze, quarantine and the ledger
-- are partitioned by that day, so their side is read exactly. Silver is partitioned by event
-- time: a file's silver rows are looked for in the event days from the day before the window to
-- the day after it. Whether all of a file's events lie there is read from bronze: the date a
-- timestamp is written with is at most one day away from its UTC date (offsets reach 18 hours),
-- so a file whose written dates all lie in the window has every silver row in the days read.
-- For those files silver must hold exactly silver_rows_added rows; for the others (late or
-- early events) silver may not hold more (counted in files_checked_one_way). So a check at the
-- window's edge never fails on rows it did not read, and rows that appeared are always caught.
WITH ledger AS (
  SELECT
    source_file, lines_read, bronze_rows, silver_rows_added, duplicates_dropped, records_quarantined,
    CASE WHEN corrupt THEN 1 ELSE 0 END AS corrupt_entries
  FROM {{bronze.file_ledger}} WHERE {{window.source_days}}
),
b AS (
  SELECT
    source_file, COUNT(*) AS n,
    MIN(substr(event_timestamp, 1, 10)) AS first_written_date,
    MAX(substr(event_timestamp, 1, 10)) AS last_written_date
  FROM {{bronze.events}} WHERE {{window.source_days}}
  GROUP BY source_file
),
q AS (
  -- a changed_file entry reports new content that was not read: the ledger describes the old
  SELECT source_file, COUNT(*) AS n
  FROM {{quarantine.events}} WHERE {{window.source_days}} AND reason <> 'changed_file'
  GROUP BY source_file
),
s AS (
  SELECT source_file, COUNT(*) AS n
  FROM {{silver.events}} WHERE {{window.event_dates_margin}} AND {{window.source_file_days}}
  GROUP BY source_file
),
files AS (
  SELECT source_file FROM ledger
  UNION SELECT source_file FROM b
  UNION SELECT source_file FROM q
  UNION SELECT source_file FROM s
),
per_file AS (
  SELECT
    f.source_file,
    l.lines_read,
    l.bronze_rows,
    l.silver_rows_added,
    l.duplicates_dropped,
    l.records_quarantined,
    COALESCE(l.corrupt_entries, 0) AS corrupt_entries,
    COALESCE(b.n, 0) AS bronze_actual,
    COALESCE(s.n, 0) AS silver_actual,
    COALESCE(q.n, 0) AS quarantine_actual,
    CASE WHEN b.first_written_date >= {{window.first_date}} AND b.last_written_date <= {{window.last_date}} THEN 1 ELSE 0 END AS silver_fully_read
  FROM files f
  LEFT JOIN ledger l ON l.source_file = f.source_file
  LEFT JOIN b ON b.source_file = f.source_file
  LEFT JOIN s ON s.source_file = f.source_file
  LEFT JOIN q ON q.source_file = f.source_file
)
SELECT
  CAST(COALESCE(SUM(CASE WHEN lines_read IS NULL
    OR lines_read + corrupt_entries <> silver_rows_added + duplicates_dropped + records_quarantined
    OR bronze_rows <> bronze_actual
    OR records_quarantined <> quarantine_actual
    OR silver_actual > silver_rows_added
    OR (silver_fully_read = 1 AND silver_actual <> silver_rows_added)
    THEN 1 ELSE 0 END), 0) AS BIGINT) AS failures,
  CAST(COUNT(*) AS BIGINT) AS rows_checked,
  'files=' || CAST(COUNT(*) AS VARCHAR(64))
    || ' lines_read=' || CAST(CAST(COALESCE(SUM(lines_read), 0) AS BIGINT) AS VARCHAR(64))
    || ' silver=' || CAST(CAST(COALESCE(SUM(silver_actual), 0) AS BIGINT) AS VARCHAR(64))
    || ' duplicates=' || CAST(CAST(COALESCE(SUM(duplicates_dropped), 0) AS BIGINT) AS VARCHAR(64))
    || ' quarantined=' || CAST(CAST(COALESCE(SUM(quarantine_actual), 0) AS BIGINT) AS VARCHAR(64))
    || ' files_checked_one_way=' || CAST(CAST(COALESCE(SUM(CASE WHEN silver_fully_read = 0 AND silver_rows_added > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM per_file
