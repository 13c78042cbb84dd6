-- DuckDB prelude: the few Spark SQL 3.5 functions the transforms use that DuckDB lacks, as
-- temporary macros with Spark's behaviour. Loaded on every engine connection before any step.
-- Never name a macro after a DuckDB built-in: a temporary macro silently shadows it.
-- DuckDB evaluates every CASE branch over the whole vector, so a CASE cannot keep a JSON
-- function away from a malformed line. Instead the argument itself is nulled first
-- (CASE WHEN json_valid(x) THEN x END): json_valid never raises, and the JSON functions return
-- NULL for NULL. (try() also works but falls back to row-at-a-time evaluation for every vector
-- holding one bad line, which made parsing about 10x slower at 1% malformed lines.)

-- get_json_object(json, path): text of the value; NULL for JSON null, a missing key or invalid JSON.
CREATE OR REPLACE TEMP MACRO get_json_object(json_text, json_path) AS
  json_extract_string(CASE WHEN json_valid(json_text) THEN json_text END, json_path);

-- size(array): the number of elements (NULL for NULL, where Spark gives -1 or NULL: the
-- transforms only use a NULL array where the result does not matter).
CREATE OR REPLACE TEMP MACRO size(list_value) AS
  len(list_value);

-- regexp_like(str, regex): unanchored search like Spark's rlike.
CREATE OR REPLACE TEMP MACRO regexp_like(str, pattern) AS
  regexp_matches(str, pattern);

-- try_to_timestamp(str): Spark's cast rules honour a Z or +hh:mm offset; DuckDB's cast to
-- TIMESTAMP ignores it, its cast to TIMESTAMPTZ honours it. The engine sets TimeZone=UTC, so a
-- value without offset is UTC. The instant becomes UTC wall time through its epoch microseconds:
-- the same value as a cast of the TIMESTAMPTZ to TIMESTAMP, without the slower calendar
-- conversion that cast makes.
CREATE OR REPLACE TEMP MACRO try_to_timestamp(str) AS
  make_timestamp(epoch_us(TRY_CAST(str AS TIMESTAMPTZ)));

-- shiftleft(a, n): a shifted left by n bits.
CREATE OR REPLACE TEMP MACRO shiftleft(a, n) AS
  a << n;
