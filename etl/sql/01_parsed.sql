-- Step `parsed`: every non-blank line of the batch, classified once.
--
-- Inputs: batch_lines (source_file, line, line_problem), batch_sources (each file with its
-- source-path partitions). A line with a line_problem (bad_encoding, line_too_long) holds the
-- base64 of its bytes and is quarantined with that reason as it is.
-- One row per non-blank line with: the nine fields as landed (text), the typed fields, the
-- quarantine reason (NULL = valid record) and detail, event time partitions and the
-- source-path partitions. Steps 11/20/30 only select from this view.
--
-- Dialect: Spark SQL 3.5 (Glue 5.0); DuckDB runs it through etl/local/prelude.sql, which supplies
-- get_json_object, regexp_like, size and try_to_timestamp.
-- Spark references (all in the Spark 3.5 built-in function list):
--   get_json_object (1.5): the unescaped text of a string value (used only on strings here).
--   regexp_like (3.2, alias of rlike), regexp_extract, regexp_extract_all (3.1): Java regexes,
--     searched anywhere in the text; a whole-text match is checked by comparing the match with
--     the text. DuckDB's RE2 gives the same matches for these patterns.
--   try_to_timestamp (3.4 SQL): without a format follows the cast rules, so +hh:mm/Z offsets are
--     honoured and no offset means the session time zone (the Glue job sets it to UTC);
--     NULL instead of an error for an impossible date.
--   TRY_CAST (3.2): NULL instead of an error (overflow, bad text) with or without ANSI mode.
-- Engine parity (tests/etl/spark/engine.test.ts) runs this file on both engines over an
-- adversarial corpus whose expected outcome is stated line by line.
WITH files AS (
  SELECT source_file, ingested_at, year, month, day, hour
  FROM batch_sources
),

lines AS (
  SELECT l.source_file, l.line AS raw_line, l.line_problem, f.ingested_at, f.year, f.month, f.day, f.hour
  FROM batch_lines l
  JOIN files f ON l.source_file = f.source_file
  -- blank lines (empty or U+0020 spaces only) are not records; any other character makes a record
  WHERE l.line_problem IS NOT NULL OR regexp_like(l.line, '[^ ]')
),

-- Whether a line is a record, decided by the SQL itself and not by a JSON parser: Spark's and
-- DuckDB's parsers accept different supersets of JSON (single quotes, text after the object,
-- NaN, a trailing comma, lone surrogates...). A record is one flat JSON object (RFC 8259): keys
-- written without escapes, each at most once; values strings, numbers, true, false or null;
-- only U+0020 around and between tokens; no raw control character anywhere.
-- The grammar is checked only on lines with at most 300 quotes and backslashes: Java's regex
-- engine recurses once per repetition of a group and would overflow its stack on longer ones.
-- chr(92) is a backslash, built with chr() because Spark unescapes backslashes in SQL string
-- literals and DuckDB does not. A match is compared with the whole line instead of anchoring
-- with $, which in Java also matches before a final line terminator.
--
-- The starter's own layout is recognised first, with one cheaper pattern: the nine keys once
-- each in its order with its separators (`{"k": v, "k": v}`), strings without escapes or control
-- characters, numbers in JSON's grammar, and \z (end of text in Java and RE2 alike) at the end.
-- Such a line is a flat JSON object that cannot repeat a key, so the grammar and the
-- duplicate-key tests are skipped for it, and its values stand between the fixed separators.
-- The costlier tests take only the other lines: a function given NULL does no work on either
-- engine, while DuckDB may evaluate a CASE branch for rows the branch does not select.
layout AS (
  SELECT
    *,
    regexp_like(raw_line, concat(
      '^[{]"timestamp": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "user_id": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "session_id": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "event_type": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "product_id": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "quantity": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "price": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "category": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      '), "search_query": (', '"[^"', chr(92), chr(92), chr(0), '-', chr(31), ']*"|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null',
      ')[}]', chr(92), 'z')) AS is_starter_layout
  FROM lines
),

other_lines AS (
  SELECT *, CASE WHEN NOT is_starter_layout THEN raw_line END AS other_line
  FROM layout
),

shaped AS (
  SELECT
    *,
    length(other_line) - length(replace(replace(other_line, '"', ''), chr(92), '')) AS quotes_and_backslashes,
    regexp_like(other_line, concat('[', chr(0), '-', chr(31), ']')) AS has_control_character
  FROM other_lines
),

structured AS (
  SELECT
    *,
    line_problem IS NULL
      AND (is_starter_layout OR (
        NOT has_control_character
          AND quotes_and_backslashes <= 300
          AND regexp_extract(other_line, concat(
            '^[ ]*[{][ ]*(',
            -- key : value
            '"[^"', chr(92), chr(92), ']*"[ ]*:[ ]*(',
              -- string: plain characters, and escapes (a surrogate pair, any other \uXXXX, or one of \" \\ \/ \b \f \n \r \t)
              '"[^"', chr(92), chr(92), ']*(', chr(92), chr(92), '(u([dD][89abAB][0-9a-fA-F]{2}', chr(92), chr(92), 'u[dD][c-fC-F][0-9a-fA-F]{2}|[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2})|["', chr(92), chr(92), '/bfnrt])[^"', chr(92), chr(92), ']*)*"',
              -- number, literals
              '|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null)',
            -- , key : value ...
            '([ ]*,[ ]*"[^"', chr(92), chr(92), ']*"[ ]*:[ ]*(',
              '"[^"', chr(92), chr(92), ']*(', chr(92), chr(92), '(u([dD][89abAB][0-9a-fA-F]{2}', chr(92), chr(92), 'u[dD][c-fC-F][0-9a-fA-F]{2}|[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2})|["', chr(92), chr(92), '/bfnrt])[^"', chr(92), chr(92), ']*)*"',
              '|-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?|true|false|null))*',
            ')?[ ]*[}][ ]*'), 0) = raw_line)) AS is_json_object
  FROM shaped
),

-- Where each key's separator (`, "key": `) starts in a starter-layout line: its values hold no
-- quote, so each separator occurs once, and a value runs from the end of its separator to the
-- start of the next one (the closing brace after the last).
separators AS (
  SELECT
    *,
    instr(raw_line, ', "user_id": ') AS user_id_at,
    instr(raw_line, ', "session_id": ') AS session_id_at,
    instr(raw_line, ', "event_type": ') AS event_type_at,
    instr(raw_line, ', "product_id": ') AS product_id_at,
    instr(raw_line, ', "quantity": ') AS quantity_at,
    instr(raw_line, ', "price": ') AS price_at,
    instr(raw_line, ', "category": ') AS category_at,
    instr(raw_line, ', "search_query": ') AS search_query_at
  FROM structured
),

-- Each field's value as written: a string up to its closing quote or its first backslash, the
-- number as written (never re-rendered by a parser: 1e7, 19.999 and 19.9900000000000000001 stay
-- what they are), true, false or null; '' when the key is absent. In a valid flat object
-- `"name":` preceded by { or , can only be a key (a quote inside a string is always escaped).
members AS (
  SELECT
    source_file,
    raw_line,
    line_problem,
    ingested_at,
    is_json_object
      AND (is_starter_layout
        OR size(regexp_extract_all(other_line, '[{,][ ]*"([^"]*)"[ ]*:', 1))
          = size(array_distinct(regexp_extract_all(other_line, '[{,][ ]*"([^"]*)"[ ]*:', 1)))) AS is_object,
    quotes_and_backslashes,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, length('{"timestamp": ') + 1, user_id_at - (length('{"timestamp": ') + 1))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"timestamp"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS timestamp_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, user_id_at + length(', "user_id": '), session_id_at - (user_id_at + length(', "user_id": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"user_id"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS user_id_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, session_id_at + length(', "session_id": '), event_type_at - (session_id_at + length(', "session_id": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"session_id"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS session_id_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, event_type_at + length(', "event_type": '), product_id_at - (event_type_at + length(', "event_type": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"event_type"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS event_type_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, product_id_at + length(', "product_id": '), quantity_at - (product_id_at + length(', "product_id": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"product_id"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS product_id_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, quantity_at + length(', "quantity": '), price_at - (quantity_at + length(', "quantity": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"quantity"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS quantity_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, price_at + length(', "price": '), category_at - (price_at + length(', "price": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"price"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS price_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, category_at + length(', "category": '), search_query_at - (category_at + length(', "category": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"category"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS category_member,
    CASE
      WHEN is_starter_layout THEN substr(raw_line, search_query_at + length(', "search_query": '), length(raw_line) - (search_query_at + length(', "search_query": ')))
      ELSE regexp_extract(other_line, concat('[{,][ ]*"search_query"[ ]*:[ ]*("[^"', chr(92), chr(92), ']*["', chr(92), chr(92), ']|-?[0-9][-+.eE0-9]*|true|false|null)'), 1)
    END AS search_query_member,
    year,
    month,
    day,
    hour
  FROM separators
),

-- A value token ('"' for any string, else as written) and, for a string without a backslash,
-- its text as it stands between the quotes (there is nothing to unescape).
fields AS (
  SELECT
    *,
    CASE WHEN substr(timestamp_member, 1, 1) = '"' THEN '"' ELSE timestamp_member END AS timestamp_token,
    CASE WHEN substr(user_id_member, 1, 1) = '"' THEN '"' ELSE user_id_member END AS user_id_token,
    CASE WHEN substr(session_id_member, 1, 1) = '"' THEN '"' ELSE session_id_member END AS session_id_token,
    CASE WHEN substr(event_type_member, 1, 1) = '"' THEN '"' ELSE event_type_member END AS event_type_token,
    CASE WHEN substr(product_id_member, 1, 1) = '"' THEN '"' ELSE product_id_member END AS product_id_token,
    CASE WHEN substr(quantity_member, 1, 1) = '"' THEN '"' ELSE quantity_member END AS quantity_token,
    CASE WHEN substr(price_member, 1, 1) = '"' THEN '"' ELSE price_member END AS price_token,
    CASE WHEN substr(category_member, 1, 1) = '"' THEN '"' ELSE category_member END AS category_token,
    CASE WHEN substr(search_query_member, 1, 1) = '"' THEN '"' ELSE search_query_member END AS search_query_token,
    CASE WHEN length(timestamp_member) >= 2 AND right(timestamp_member, 1) = '"' THEN substr(timestamp_member, 2, length(timestamp_member) - 2) END AS timestamp_plain,
    CASE WHEN length(user_id_member) >= 2 AND right(user_id_member, 1) = '"' THEN substr(user_id_member, 2, length(user_id_member) - 2) END AS user_id_plain,
    CASE WHEN length(session_id_member) >= 2 AND right(session_id_member, 1) = '"' THEN substr(session_id_member, 2, length(session_id_member) - 2) END AS session_id_plain,
    CASE WHEN length(event_type_member) >= 2 AND right(event_type_member, 1) = '"' THEN substr(event_type_member, 2, length(event_type_member) - 2) END AS event_type_plain,
    CASE WHEN length(product_id_member) >= 2 AND right(product_id_member, 1) = '"' THEN substr(product_id_member, 2, length(product_id_member) - 2) END AS product_id_plain,
    CASE WHEN length(quantity_member) >= 2 AND right(quantity_member, 1) = '"' THEN substr(quantity_member, 2, length(quantity_member) - 2) END AS quantity_plain,
    CASE WHEN length(price_member) >= 2 AND right(price_member, 1) = '"' THEN substr(price_member, 2, length(price_member) - 2) END AS price_plain,
    CASE WHEN length(category_member) >= 2 AND right(category_member, 1) = '"' THEN substr(category_member, 2, length(category_member) - 2) END AS category_plain,
    CASE WHEN length(search_query_member) >= 2 AND right(search_query_member, 1) = '"' THEN substr(search_query_member, 2, length(search_query_member) - 2) END AS search_query_plain
  FROM members
),

-- as landed: a string's text, a number or literal as written, NULL for null or absent. Only a
-- string with escapes goes through get_json_object, which unescapes it; the line is passed only
-- then (DuckDB evaluates a function over every row, whatever CASE branch it sits in).
landed AS (
  SELECT
    *,
    CASE WHEN timestamp_token = '"' THEN COALESCE(timestamp_plain, get_json_object(CASE WHEN timestamp_plain IS NULL THEN raw_line END, '$.timestamp')) WHEN timestamp_token IN ('', 'null') THEN NULL ELSE timestamp_token END AS event_timestamp,
    CASE WHEN user_id_token = '"' THEN COALESCE(user_id_plain, get_json_object(CASE WHEN user_id_plain IS NULL THEN raw_line END, '$.user_id')) WHEN user_id_token IN ('', 'null') THEN NULL ELSE user_id_token END AS user_id,
    CASE WHEN session_id_token = '"' THEN COALESCE(session_id_plain, get_json_object(CASE WHEN session_id_plain IS NULL THEN raw_line END, '$.session_id')) WHEN session_id_token IN ('', 'null') THEN NULL ELSE session_id_token END AS session_id,
    CASE WHEN event_type_token = '"' THEN COALESCE(event_type_plain, get_json_object(CASE WHEN event_type_plain IS NULL THEN raw_line END, '$.event_type')) WHEN event_type_token IN ('', 'null') THEN NULL ELSE event_type_token END AS event_type,
    CASE WHEN product_id_token = '"' THEN COALESCE(product_id_plain, get_json_object(CASE WHEN product_id_plain IS NULL THEN raw_line END, '$.product_id')) WHEN product_id_token IN ('', 'null') THEN NULL ELSE product_id_token END AS product_id,
    CASE WHEN quantity_token = '"' THEN COALESCE(quantity_plain, get_json_object(CASE WHEN quantity_plain IS NULL THEN raw_line END, '$.quantity')) WHEN quantity_token IN ('', 'null') THEN NULL ELSE quantity_token END AS quantity,
    CASE WHEN price_token = '"' THEN COALESCE(price_plain, get_json_object(CASE WHEN price_plain IS NULL THEN raw_line END, '$.price')) WHEN price_token IN ('', 'null') THEN NULL ELSE price_token END AS price,
    CASE WHEN category_token = '"' THEN COALESCE(category_plain, get_json_object(CASE WHEN category_plain IS NULL THEN raw_line END, '$.category')) WHEN category_token IN ('', 'null') THEN NULL ELSE category_token END AS category,
    CASE WHEN search_query_token = '"' THEN COALESCE(search_query_plain, get_json_object(CASE WHEN search_query_plain IS NULL THEN raw_line END, '$.search_query')) WHEN search_query_token IN ('', 'null') THEN NULL ELSE search_query_token END AS search_query
  FROM fields
),

-- present values: null, absent and "" are missing; a value of the wrong kind is present (and
-- later rejected as a type error; a field's token says whether it is a JSON string).
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
    NULLIF(search_query, '') AS query_text,
    -- a text field holding something other than a string, or U+0000 (engines store it differently)
    (user_id_token NOT IN ('"', '', 'null') OR session_id_token NOT IN ('"', '', 'null')
      OR product_id_token NOT IN ('"', '', 'null') OR category_token NOT IN ('"', '', 'null')
      OR search_query_token NOT IN ('"', '', 'null')
      OR instr(concat_ws('|', user_id, session_id, product_id, category, search_query), chr(0)) > 0) AS text_field_bad_type
  FROM landed
),

typed AS (
  SELECT
    *,
    -- ISO-8601 with uppercase T, 1-6 fraction digits when a point is present, Z or +-hh:mm up to
    -- 18:00 (Java's, so Spark's, limit) or no offset (UTC). Only a JSON string can be a timestamp.
    CASE
      WHEN timestamp_token = '"' AND regexp_extract(ts_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[-+]((0[0-9]|1[0-7]):[0-5][0-9]|18:00))?', 0) = ts_text
        THEN try_to_timestamp(ts_text)
    END AS ts_value,
    -- A price is a JSON number written with at most two decimals and no exponent: the lake never
    -- rounds a price. It must fit DECIMAL(10,2) (TRY_CAST gives NULL otherwise).
    CASE
      WHEN regexp_extract(price_token, '^-?(0|[1-9][0-9]*)([.][0-9]{1,2})?', 0) = price_token
        THEN TRY_CAST(price_token AS DECIMAL(10, 2))
    END AS price_value,
    -- A quantity is a JSON integer, optionally with an all-zero fraction (3.0 is 3); only the
    -- digits before the point are cast (DuckDB's cast rounds where Spark's truncates).
    CASE
      WHEN regexp_extract(quantity_token, '^-?(0|[1-9][0-9]*)([.]0+)?', 0) = quantity_token
        THEN TRY_CAST(regexp_extract(quantity_token, '^(-?[0-9]+)', 1) AS INT)
    END AS quantity_value
  FROM present
),

classified AS (
  SELECT
    *,
    -- Quarantine reasons, first that applies wins (README, "Quarantine reasons").
    CASE
      WHEN line_problem IS NOT NULL THEN line_problem
      WHEN NOT is_object THEN 'malformed_json'
      WHEN ts_text IS NULL OR user_text IS NULL OR session_text IS NULL OR type_text IS NULL THEN 'missing_field'
      WHEN event_type_token <> '"' OR type_text NOT IN ('page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search') THEN 'unknown_event_type'
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
      WHEN text_field_bad_type THEN 'bad_type'
      WHEN price_value < 0 OR quantity_value < 1 THEN 'out_of_range'
      -- revenue must fit silver's DECIMAL(12,2), computed exactly
      WHEN type_text = 'purchase' AND price_value * CAST(quantity_value AS DECIMAL(10, 0)) >= 10000000000 THEN 'out_of_range'
    END AS reason,
    CASE
      WHEN line_problem = 'bad_encoding' THEN 'line is not valid UTF-8; raw_line holds its bytes in base64'
      WHEN line_problem = 'line_too_long' THEN 'line is longer than the read bound; raw_line holds its first bytes in base64'
      WHEN line_problem IS NOT NULL THEN line_problem
      WHEN NOT is_object AND quotes_and_backslashes > 300 THEN 'line holds more than 300 quotes and backslashes'
      WHEN NOT is_object THEN 'line is not one flat JSON object'
      WHEN ts_text IS NULL THEN 'timestamp'
      WHEN user_text IS NULL THEN 'user_id'
      WHEN session_text IS NULL THEN 'session_id'
      WHEN type_text IS NULL THEN 'event_type'
      WHEN event_type_token <> '"' OR type_text NOT IN ('page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search') THEN 'event_type'
      WHEN type_text <> 'search' AND product_text IS NULL THEN 'product_id'
      WHEN type_text <> 'search' AND category_text IS NULL THEN 'category'
      WHEN type_text IN ('add_to_cart', 'remove_from_cart', 'purchase') AND quantity_text IS NULL THEN 'quantity'
      WHEN type_text IN ('add_to_cart', 'remove_from_cart', 'purchase') AND price_text IS NULL THEN 'price'
      WHEN type_text = 'search' AND query_text IS NULL THEN 'search_query'
      WHEN ts_value IS NULL THEN 'timestamp'
      WHEN ts_value < TIMESTAMP '2024-01-01 00:00:00' OR ts_value >= ingested_at + INTERVAL 1 DAY THEN 'timestamp'
      WHEN price_text IS NOT NULL AND price_value IS NULL THEN 'price'
      WHEN quantity_text IS NOT NULL AND quantity_value IS NULL THEN 'quantity'
      WHEN text_field_bad_type THEN 'a text field holds a non-string value or U+0000'
      WHEN price_value < 0 THEN 'price'
      WHEN quantity_value < 1 THEN 'quantity'
      WHEN type_text = 'purchase' AND price_value * CAST(quantity_value AS DECIMAL(10, 0)) >= 10000000000 THEN 'revenue'
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
  -- typed (silver); silver's text fields are the landed text with '' as NULL, taken by
  -- silver_batch rather than stored here a second time
  -- Athena (Trino) reads a Hive timestamp at millisecond precision, rounding: 18:59:59.9999
  -- would read as 19:00:00.000, outside its event_hour partition. Stored truncated to the
  -- millisecond, the value is what Athena shows and stays in its hour.
  date_trunc('MILLISECOND', ts_value) AS event_ts,
  quantity_value,
  price_value,
  -- TRY_CAST: DuckDB evaluates every row of a CASE, the quarantined overflows included
  CASE WHEN reason IS NULL AND type_text = 'purchase' THEN TRY_CAST(price_value * CAST(quantity_value AS DECIMAL(10, 0)) AS DECIMAL(12, 2)) END AS revenue,
  CAST(ts_value AS DATE) AS event_date,
  CAST(hour(ts_value) AS INT) AS event_hour,
  year,
  month,
  day,
  hour
FROM classified
