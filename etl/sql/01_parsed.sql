-- Step `parsed`: every non-blank line of the batch, classified once.
--
-- Inputs: batch_lines (source_file, line), batch_sources (each file with its source-path partitions).
-- One row per non-blank line with: the nine fields as landed (text), the typed fields, the
-- quarantine reason (NULL = valid record) and detail, event_key, event time partitions and the
-- source-path partitions. Steps 10/20/30 only select from this view.
--
-- Dialect: Spark SQL 3.5 (Glue 5.0); DuckDB runs it through etl/local/prelude.sql, which supplies
-- get_json_object, json_object_keys, regexp_like, try_to_timestamp, sha2 and unix_micros.
-- Spark references (all in the Spark 3.5 built-in function list):
--   json_object_keys (3.1): NULL for invalid JSON, '' or any non-object JSON value.
--   get_json_object (1.5): text of the value, NULL for JSON null, a missing key or invalid JSON.
--   regexp_like (3.2, alias of rlike): unanchored Java regex search, hence ^...$ below.
--   try_to_timestamp (3.4 SQL): without a format follows the cast rules, so +hh:mm/Z offsets are
--     honoured and no offset means the session time zone (the Glue job sets it to UTC);
--     NULL instead of an error for an impossible date.
--   TRY_CAST (3.2): NULL instead of an error (overflow, bad text) with or without ANSI mode.
--   unix_micros (3.1), sha2 (1.5).
-- Regexes are written without backslashes: Spark unescapes backslashes in SQL string literals.
WITH files AS (
  SELECT source_file, ingested_at, year, month, day, hour
  FROM batch_sources
),

lines AS (
  SELECT l.source_file, l.line AS raw_line, f.ingested_at, f.year, f.month, f.day, f.hour
  FROM batch_lines l
  JOIN files f ON l.source_file = f.source_file
  -- blank lines are not records (trim removes spaces, as in Spark)
  WHERE trim(l.line) <> ''
),

fields AS (
  SELECT
    source_file,
    raw_line,
    ingested_at,
    -- A record is a JSON object. Spark's Jackson parser is lenient (single quotes, text after
    -- the object) and so is DuckDB's (a trailing comma before the closing brace); the regexes
    -- reject those cases in both engines alike. Still engine-specific (docs/local-engine.md):
    -- single quotes or raw control characters INSIDE the object pass Spark, NaN/Infinity pass DuckDB.
    (json_object_keys(raw_line) IS NOT NULL
      AND regexp_like(raw_line, '^[ ]*[{][ ]*("|[}])')
      AND regexp_like(raw_line, '[}][ ]*$')
      AND NOT regexp_like(raw_line, ',[ ]*[}][ ]*$')) AS is_object,
    get_json_object(raw_line, '$.timestamp') AS event_timestamp,
    get_json_object(raw_line, '$.user_id') AS user_id,
    get_json_object(raw_line, '$.session_id') AS session_id,
    get_json_object(raw_line, '$.event_type') AS event_type,
    get_json_object(raw_line, '$.product_id') AS product_id,
    get_json_object(raw_line, '$.quantity') AS quantity,
    get_json_object(raw_line, '$.price') AS price,
    get_json_object(raw_line, '$.category') AS category,
    get_json_object(raw_line, '$.search_query') AS search_query,
    year,
    month,
    day,
    hour
  FROM lines
),

-- "present" values: an empty string counts as missing
present AS (
  SELECT
    *,
    NULLIF(event_timestamp, '') AS ts_text,
    NULLIF(user_id, '') AS user_text,
    NULLIF(session_id, '') AS session_text,
    NULLIF(event_type, '') AS type_text,
    NULLIF(product_id, '') AS product_text,
    NULLIF(quantity, '') AS quantity_text,
    NULLIF(price, '') AS price_text,
    NULLIF(category, '') AS category_text,
    NULLIF(search_query, '') AS query_text
  FROM fields
),

typed AS (
  SELECT
    *,
    -- ISO-8601 with T, optional 1-6 fraction digits, optional Z or +hh:mm offset (none = UTC);
    -- offsets stop at +-18:00, Java's (so Spark's) limit, which DuckDB would exceed.
    CASE
      WHEN regexp_like(ts_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[-+]((0[0-9]|1[0-7]):[0-5][0-9]|18:00))?$')
        THEN try_to_timestamp(ts_text)
    END AS ts_value,
    -- JSON number or numeric string; exponents allowed (Spark renders large doubles as 1.0E7).
    CASE
      WHEN regexp_like(price_text, '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$')
        THEN TRY_CAST(price_text AS DECIMAL(10, 2))
    END AS price_value,
    -- Integer-ness is checked by regex: DuckDB's cast rounds 2.5 to 3 where Spark truncates.
    -- 3.0 is an integer; only the digits before the point are cast.
    CASE
      WHEN regexp_like(quantity_text, '^-?[0-9]+([.]0+)?$')
        THEN TRY_CAST(regexp_extract(quantity_text, '^(-?[0-9]+)', 1) AS INT)
    END AS quantity_value
  FROM present
),

classified AS (
  SELECT
    *,
    -- Quarantine reasons, first that applies wins (contract in the team brief / README).
    CASE
      WHEN NOT is_object THEN 'malformed_json'
      WHEN ts_text IS NULL OR user_text IS NULL OR session_text IS NULL OR type_text IS NULL THEN 'missing_field'
      WHEN type_text NOT IN ('page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search') THEN 'unknown_event_type'
      WHEN type_text <> 'search' AND (product_text IS NULL OR category_text IS NULL) THEN 'missing_field'
      WHEN type_text IN ('add_to_cart', 'remove_from_cart', 'purchase') AND (quantity_text IS NULL OR price_text IS NULL) THEN 'missing_field'
      WHEN type_text = 'search' AND query_text IS NULL THEN 'missing_field'
      WHEN ts_value IS NULL THEN 'bad_timestamp'
      -- Event dates Athena can see: the date projection starts on 1 January of LAKE_START_YEAR
      -- (etl/schema.ts; a test keeps this literal equal) and ends NOW; a row outside would be in
      -- silver yet invisible there.
      WHEN ts_value < TIMESTAMP '2024-01-01 00:00:00' OR ts_value >= ingested_at + INTERVAL 1 DAY THEN 'out_of_range'
      WHEN price_text IS NOT NULL AND price_value IS NULL THEN 'bad_type'
      WHEN quantity_text IS NOT NULL AND quantity_value IS NULL THEN 'bad_type'
      WHEN price_value < 0 OR quantity_value < 1 THEN 'out_of_range'
      -- revenue must fit silver's DECIMAL(12,2)
      WHEN type_text = 'purchase' AND CAST(price_value AS DOUBLE) * quantity_value >= 10000000000.0 THEN 'out_of_range'
    END AS reason,
    CASE
      WHEN NOT is_object THEN 'line is not a JSON object'
      WHEN ts_text IS NULL THEN 'timestamp'
      WHEN user_text IS NULL THEN 'user_id'
      WHEN session_text IS NULL THEN 'session_id'
      WHEN type_text IS NULL THEN 'event_type'
      WHEN type_text NOT IN ('page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search') THEN 'event_type'
      WHEN type_text <> 'search' AND product_text IS NULL THEN 'product_id'
      WHEN type_text <> 'search' AND category_text IS NULL THEN 'category'
      WHEN type_text IN ('add_to_cart', 'remove_from_cart', 'purchase') AND quantity_text IS NULL THEN 'quantity'
      WHEN type_text IN ('add_to_cart', 'remove_from_cart', 'purchase') AND price_text IS NULL THEN 'price'
      WHEN type_text = 'search' AND query_text IS NULL THEN 'search_query'
      WHEN ts_value IS NULL THEN 'timestamp'
      WHEN ts_value < TIMESTAMP '2024-01-01 00:00:00' OR ts_value >= ingested_at + INTERVAL 1 DAY THEN 'timestamp'
      WHEN price_text IS NOT NULL AND price_value IS NULL THEN 'price'
      WHEN quantity_text IS NOT NULL AND quantity_value IS NULL THEN 'quantity'
      WHEN price_value < 0 THEN 'price'
      WHEN quantity_value < 1 THEN 'quantity'
      WHEN type_text = 'purchase' AND CAST(price_value AS DOUBLE) * quantity_value >= 10000000000.0 THEN 'revenue'
    END AS detail
  FROM typed
)

SELECT
  source_file,
  ingested_at,
  -- only quarantine needs the raw text: not carrying it for valid records halves this view
  CASE WHEN reason IS NOT NULL THEN raw_line END AS raw_line,
  is_object,
  reason,
  detail,
  -- as landed (bronze)
  event_timestamp,
  user_id,
  session_id,
  event_type,
  product_id,
  quantity,
  price,
  category,
  search_query,
  -- typed (silver)
  -- Athena (Trino) reads a Hive timestamp at millisecond precision, rounding: 18:59:59.9999
  -- would read as 19:00:00.000, outside its event_hour partition. Stored truncated to the
  -- millisecond, the value is what Athena shows and stays in its hour; event_key keeps the microseconds.
  date_trunc('MILLISECOND', ts_value) AS event_ts,
  user_text AS user_id_value,
  session_text AS session_id_value,
  type_text AS event_type_value,
  product_text AS product_id_value,
  quantity_value,
  price_value,
  category_text AS category_value,
  query_text AS search_query_value,
  CASE WHEN type_text = 'purchase' THEN CAST(price_value * quantity_value AS DECIMAL(12, 2)) END AS revenue,
  -- Deterministic key of the nine parsed fields: each field is encoded as n (null) or
  -- <length>:<text>, so no separator or null can make two different records collide.
  -- The timestamp enters as epoch microseconds and the price as whole cents, so spelling
  -- differences of the same instant or amount (Z vs +00:00, 19.8 vs 19.80) are equal.
  -- The first 128 bits (32 hex digits) of SHA-256 are kept: collisions stay negligible (~1e-19
  -- at ten billion events) and the key, random and so incompressible, is half the bytes.
  CASE WHEN reason IS NULL THEN substr(sha2(concat_ws('|',
    CAST(unix_micros(ts_value) AS STRING),
    concat(CAST(length(user_text) AS STRING), ':', user_text),
    concat(CAST(length(session_text) AS STRING), ':', session_text),
    concat(CAST(length(type_text) AS STRING), ':', type_text),
    CASE WHEN product_text IS NULL THEN 'n' ELSE concat(CAST(length(product_text) AS STRING), ':', product_text) END,
    CASE WHEN quantity_value IS NULL THEN 'n' ELSE CAST(quantity_value AS STRING) END,
    CASE WHEN price_value IS NULL THEN 'n' ELSE CAST(CAST(price_value * 100 AS BIGINT) AS STRING) END,
    CASE WHEN category_text IS NULL THEN 'n' ELSE concat(CAST(length(category_text) AS STRING), ':', category_text) END,
    CASE WHEN query_text IS NULL THEN 'n' ELSE concat(CAST(length(query_text) AS STRING), ':', query_text) END
  ), 256), 1, 32) END AS event_key,
  CAST(ts_value AS DATE) AS event_date,
  CAST(hour(ts_value) AS INT) AS event_hour,
  year,
  month,
  day,
  hour
FROM classified
