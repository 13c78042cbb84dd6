"""The batch of new source files, and the input views the shared SQL reads.

Why two reads of the new files:

1. The job bookmark only tracks S3 objects read through a DynamicFrame with a
   transformation_ctx. That read decides WHICH files are new. It uses format "csv" with a
   separator and quote handling that can never split or reject a line, so no line content can
   make it fail, and input_file_name() tells which objects it read.
2. The shared SQL needs every RAW line per file (batch_lines) and one row per file with a read
   error for files that cannot be gunzipped (batch_files). A DynamicFrame gives neither: it
   parses or drops lines and fails the whole job on one bad gzip member. So exactly the files
   of step 1 are read again as bytes (Spark's binaryFile source does not decompress) and
   gunzipped per file in Python, where a decompression error becomes that file's read_error
   instead of a failed job.

If step 1 itself fails (a corrupt object fails the bookmarked read before any file name is
known), the batch falls back to "objects under the source path that the file ledger has not
recorded", so a corrupt file can never block the pipeline.
"""
import gzip
import re
import zlib

from lake_layout import LayoutError, format_partition_value, join_uri

# Column names of the two input views: the contract written in etl/manifest.json `inputs`.
BATCH_FILES_COLUMNS = ("source_file", "ingested_at", "read_error")
BATCH_LINES_COLUMNS = ("source_file", "line")

# The view builders, keyed by the names etl/manifest.json `inputs` uses. The engine refuses to
# run when the manifest asks for a view this module cannot build (or the other way round).
INPUT_VIEWS = ("batch_files", "batch_lines")

# Unit separator (U+001F) never occurs in JSON text unescaped, and quoting is off: every line
# of a file is one single-column record, whatever it contains.
DISCOVERY_FORMAT = "csv"
DISCOVERY_FORMAT_OPTIONS = {"separator": "\u001f", "quoteChar": -1, "withHeader": False}
DISCOVERY_CTX = "source"

# Keys the pipeline accepts (the same pattern as SOURCE_KEY in etl/local/source.ts): the shared SQL
# reads the bronze/quarantine/ledger partitions from these path segments.
SOURCE_KEY = re.compile(r"^events/year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/(?:[^/]+/)*[^/]+\.jsonl\.gz$")


class InputError(RuntimeError):
    """The batch could not be assembled."""


def split_s3_uri(uri):
    """('bucket', 'key/prefix') of an s3://, s3a:// or s3n:// URI."""
    for scheme in ("s3://", "s3a://", "s3n://"):
        if uri.startswith(scheme):
            rest = uri[len(scheme):]
            bucket, _, key = rest.partition("/")
            if not bucket:
                break
            return bucket, key
    raise InputError("'%s' is not an S3 URI: expected s3://bucket/key" % uri)


def relative_key(uri):
    """Key of an object relative to its bucket root, the lineage value source_file holds."""
    return split_s3_uri(uri)[1]


def decode_lines(raw):
    """Lines of decompressed bytes without their terminator (LF or CRLF), blank lines kept.

    A final terminator does not start an extra empty line. Bytes that are not UTF-8 are replaced
    (U+FFFD) so the line still reaches the SQL, which quarantines what it cannot parse.
    """
    text = raw.decode("utf-8", errors="replace")
    if text == "":
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def gunzip_lines(content):
    """(lines, None) for a readable gzip object, ([], 'why') for one that cannot be read.

    A file is read completely or not at all: a truncated object yields no partial lines, so a
    file is never half in silver and half missing. As in etl/local/source.ts, a 0-byte object is
    an empty file (no lines), and the error text starts with "cannot decompress: " (the rest is
    the decompressor's own wording, which differs between zlib builds).
    """
    try:
        raw = gzip.decompress(bytes(content))
    except (OSError, EOFError, zlib.error) as err:
        return [], "cannot decompress: %s: %s" % (type(err).__name__, err)
    return decode_lines(raw), None


def explode_file(path, content):
    """Records of one source object: ('file', key, read_error) then ('line', key, text) per line."""
    key = relative_key(path)
    lines, error = gunzip_lines(content)
    yield ("file", key, error)
    for line in lines:
        yield ("line", key, line)


def _explode_row(row):
    return explode_file(row["path"], row["content"])


def discover_bookmarked_files(glue_context, source_path):
    """URIs of the objects the job bookmark selected for this run (sorted), via input_file_name()."""
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [source_path], "recurse": True, "groupFiles": "none"},
        format=DISCOVERY_FORMAT,
        format_options=dict(DISCOVERY_FORMAT_OPTIONS),
        transformation_ctx=DISCOVERY_CTX,
    )
    rows = frame.toDF().selectExpr("input_file_name() AS uri").distinct().collect()
    uris = sorted(r["uri"] for r in rows if r["uri"])
    if len(uris) != len(rows):
        # Rows without a file name would make new files look like an empty batch, and the commit
        # would then skip them for good; the caller falls back to the file ledger instead.
        raise InputError("input_file_name() returned no file name for the bookmarked read of %s" % source_path)
    return uris


def source_key_problem(key, path_layout):
    """Why a source key cannot be processed, or None. Such a file is left out and logged: taken
    into the batch, it would fail every run at the partition write instead (the bookmark never
    commits past it)."""
    match = SOURCE_KEY.match(key)
    if not match:
        return "outside events/year=YYYY/month=MM/day=DD/hour=HH/"
    try:
        # the four path segments, in the order of the table's path partition keys
        for name, value in zip(path_layout.partition_key_names, match.groups()):
            format_partition_value(path_layout.key(name), value)
    except LayoutError as err:
        return str(err)
    return None


def list_source_files(storage, prefix_uris):
    """URIs of every .jsonl.gz object under the given prefixes (sorted)."""
    found = set()
    for prefix in prefix_uris:
        bucket, _ = split_s3_uri(prefix)
        for key in storage.list_keys(prefix):
            if key.endswith(".jsonl.gz"):
                found.add("s3://%s/%s" % (bucket, key))
    return sorted(found)


def backfill_prefixes(source_path, first_day, last_day):
    """Source partition prefixes events/year=YYYY/month=MM/day=DD/ for each day of the range."""
    if last_day < first_day:
        raise InputError("backfill range: --backfill_to %s is before --backfill_from %s" % (last_day, first_day))
    prefixes = []
    day = first_day
    while day <= last_day:
        prefixes.append(join_uri(source_path, "year=%04d" % day.year, "month=%02d" % day.month, "day=%02d" % day.day) + "/")
        day = day.fromordinal(day.toordinal() + 1)
    return prefixes


def build_input_views(spark, file_uris, ingested_at):
    """Registers batch_files and batch_lines for the given objects; returns the view names.

    The records are cached because both views come from one decompression pass.
    """
    binary = spark.read.format("binaryFile").load(list(file_uris))
    records = spark.createDataFrame(
        binary.select("path", "content").rdd.flatMap(_explode_row),
        "kind STRING, source_file STRING, text STRING",
    ).cache()
    stamp = ingested_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    records.where("kind = 'file'").selectExpr(
        "source_file",
        "CAST('%s' AS TIMESTAMP) AS ingested_at" % stamp,
        "text AS read_error",
    ).createOrReplaceTempView("batch_files")
    records.where("kind = 'line'").selectExpr("source_file", "text AS line").createOrReplaceTempView("batch_lines")
    return list(INPUT_VIEWS)


# The table that records every processed source file (one row per file, its key in
# source_file); only the fallback path below reads it.
LEDGER_TABLE_ID = "bronze.file_ledger"
# The table whose path partition formats (year/month/day/hour) a source key must fit.
BRONZE_TABLE_ID = "bronze.events"


def unrecorded_files(spark, storage, source_path, ledger, lake_path):
    """Fallback batch: objects under source_path whose key the file ledger does not hold yet."""
    listed = list_source_files(storage, [source_path])
    base = ledger.base_uri(lake_path) + "/"
    recorded = set()
    if storage.exists(base):
        rows = spark.read.schema(ledger.ddl()).option("basePath", base).parquet(base).select("source_file").distinct().collect()
        recorded = {r["source_file"] for r in rows}
    return [uri for uri in listed if relative_key(uri) not in recorded]
