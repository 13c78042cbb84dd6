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
import base64
import re
import zlib

from job_args import DEFAULT_BOUNDS
from lake_layout import LayoutError, format_partition_value, join_uri

# Column names of the two input views: the contract written in etl/manifest.json `inputs`.
BATCH_FILES_COLUMNS = ("source_file", "ingested_at", "read_error", "read_problem")
BATCH_LINES_COLUMNS = ("source_file", "line", "line_problem")

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


S3_SCHEMES = ("s3://", "s3a://", "s3n://")


def split_s3_uri(uri):
    """('bucket', 'key/prefix') of an s3://, s3a:// or s3n:// URI."""
    for scheme in S3_SCHEMES:
        if uri.startswith(scheme):
            rest = uri[len(scheme):]
            bucket, _, key = rest.partition("/")
            if not bucket:
                break
            return bucket, key
    raise InputError("'%s' is not an S3 URI: expected s3://bucket/key" % uri)


def normalize_uri(uri):
    """One spelling per object: s3a:// and s3n:// become s3://, Hadoop's file:/x becomes file:///x."""
    for scheme in S3_SCHEMES[1:]:
        if uri.startswith(scheme):
            return "s3://" + uri[len(scheme):]
    if uri.startswith("file:") and not uri.startswith("file:///"):
        return "file:///" + uri[len("file:"):].lstrip("/")
    return uri


def source_root(source_path):
    """The URI that source_file keys are relative to: the bucket root on S3 (keys such as
    events/year=...), the folder that holds events/ for a local source folder."""
    uri = normalize_uri(source_path)
    if uri.startswith("s3://"):
        return "s3://%s/" % split_s3_uri(uri)[0]
    folder = uri.rstrip("/") + "/"
    return folder[: -len("events/")] if folder.endswith("/events/") else folder


def relative_key(uri, root=None):
    """Key of an object relative to the source root (the bucket root by default): the lineage
    value source_file holds."""
    uri = normalize_uri(uri)
    if root is None:
        return split_s3_uri(uri)[1]
    root = normalize_uri(root)
    if not uri.startswith(root):
        raise InputError("'%s' is not under the source root '%s'" % (uri, root))
    return uri[len(root):]


# Bounds of one source file, so no content can exhaust a worker's memory; past a bound the file
# or the line is quarantined with its own reason and the rest of the batch goes on. The local
# engine (etl/local/source.ts) applies the same defaults.
DEFAULT_MAX_LINE_BYTES = DEFAULT_BOUNDS["max_line_bytes"]
DEFAULT_MAX_FILE_BYTES = DEFAULT_BOUNDS["max_file_bytes"]
_READ_CHUNK = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


# The read error of a file that cannot be decompressed, by whether its data merely ends early: the
# same words as decompressError in etl/local/source.ts (the zlib bindings' own messages differ).
DECOMPRESS_ERRORS = {
    True: "cannot decompress: the gzip data ends before its end-of-stream marker",
    False: "cannot decompress: not valid gzip data",
}


class FileTooLarge(Exception):
    pass


def _gunzip_chunks(content, max_file_bytes):
    """Decompressed chunks of every gzip member of `content`, at most max_file_bytes in all."""
    data = bytes(content)
    total = 0
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = data
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, _READ_CHUNK)
            pending = inflater.unconsumed_tail
            total += len(chunk)
            if total > max_file_bytes:
                raise FileTooLarge()
            if chunk:
                yield chunk
        if not inflater.eof:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")
        tail = inflater.flush()
        if tail:
            total += len(tail)
            if total > max_file_bytes:
                raise FileTooLarge()
            yield tail
        # A further gzip member may follow (concatenated gzip files are one valid gzip file);
        # zero bytes after the last member are padding, as gzip and zlib read them.
        data = inflater.unused_data
        if data.startswith(b"\x00"):
            return
        if data and not data.startswith(b"\x1f\x8b"):
            raise OSError("trailing garbage after the last gzip member")


def _classify_line(raw, max_line_bytes):
    """(text, line_problem) of one line's bytes without its terminator."""
    if len(raw) > max_line_bytes:
        return base64.b64encode(raw[:max_line_bytes]).decode("ascii"), "line_too_long"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), "bad_encoding"


def _without_bom(chunks):
    """The chunks with a UTF-8 byte order mark at the very start removed (it may span chunks)."""
    head = b""
    for chunk in chunks:
        if head is None:
            yield chunk
            continue
        head += chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            continue
        yield head[len(_BOM):] if head.startswith(_BOM) else head
        head = None
    if head:
        yield head


def split_lines(chunks, max_line_bytes):
    """(text, line_problem) of every line of the decompressed byte chunks, blank lines kept.

    Lines end at LF; a CR before it is dropped; a final terminator does not start an extra
    line; a UTF-8 byte order mark at the start of the file is not part of the first line. A line
    longer than max_line_bytes keeps only its first max_line_bytes bytes (line_too_long), so
    memory stays bounded whatever the input; a line that is not valid UTF-8 keeps its exact bytes
    in base64 (bad_encoding).
    """
    buffer = b""
    overflow = None  # the bounded prefix of a line that is already too long
    for chunk in _without_bom(chunks):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end == -1 else chunk[start:end]
            if overflow is not None:
                overflow = (overflow + piece)[: max_line_bytes + 1]
            else:
                buffer += piece
                if len(buffer) > max_line_bytes + 1:
                    overflow, buffer = buffer[: max_line_bytes + 1], b""
            if end == -1:
                break
            raw = overflow if overflow is not None else buffer
            yield _classify_line(raw[:-1] if raw.endswith(b"\r") and overflow is None else raw, max_line_bytes)
            buffer, overflow = b"", None
            start = end + 1
    if overflow is not None:
        yield _classify_line(overflow, max_line_bytes)
    elif buffer:
        yield _classify_line(buffer[:-1] if buffer.endswith(b"\r") else buffer, max_line_bytes)


def read_source_file(content, max_line_bytes=DEFAULT_MAX_LINE_BYTES, max_file_bytes=DEFAULT_MAX_FILE_BYTES):
    """(lines, read_problem, read_error) of one source object; lines are (text, line_problem).

    A file is read completely or not at all: a truncated or oversized object yields no lines, so
    a file is never half in silver and half missing. As in etl/local/source.ts, a 0-byte object
    is an empty file (no lines).
    """
    if len(content) == 0:
        return [], None, None
    try:
        return list(split_lines(_gunzip_chunks(content, max_file_bytes), max_line_bytes)), None, None
    except FileTooLarge:
        # the same words as etl/local/source.ts: the text is quarantine.events' detail
        return [], "file_too_large", "decompresses to more than %d bytes (the per-file bound)" % max_file_bytes
    except EOFError:
        return [], "corrupt_file", DECOMPRESS_ERRORS[True]
    except (OSError, zlib.error):
        return [], "corrupt_file", DECOMPRESS_ERRORS[False]


def explode_file(key, content, max_line_bytes=DEFAULT_MAX_LINE_BYTES, max_file_bytes=DEFAULT_MAX_FILE_BYTES):
    """Records of one source object: ('file', key, read_error, read_problem) then
    ('line', key, text, line_problem) per line."""
    lines, problem, error = read_source_file(content, max_line_bytes, max_file_bytes)
    yield ("file", key, error, problem)
    for text, line_problem in lines:
        yield ("line", key, text, line_problem)


def discover_bookmarked_files(glue_context, source_path, max_files=None):
    """URIs of the objects the job bookmark selected for this run (sorted), via input_file_name().

    max_files bounds the run (Glue's boundedFiles): the bookmark then records only those files,
    so a backlog is worked off run by run instead of one run that never ends within its timeout.
    """
    options = {"paths": [source_path], "recurse": True, "groupFiles": "none"}
    if max_files is not None:
        options["boundedFiles"] = str(max_files)
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options=options,
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
    return sorted({normalize_uri(uri) for prefix in prefix_uris for uri in storage.list_uris(prefix) if uri.endswith(".jsonl.gz")})


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


RECORDS_SCHEMA = "kind STRING, source_file STRING, text STRING, problem STRING"


def build_input_views(spark, file_uris, ingested_at, root, max_line_bytes=DEFAULT_MAX_LINE_BYTES,
                      max_file_bytes=DEFAULT_MAX_FILE_BYTES, unread_files=()):
    """Registers batch_files and batch_lines for the given objects; returns the view names.

    Each object is decompressed once, in the task that reads it; the records are cached because
    both views come from that one pass. source_file is the object's key relative to `root`.
    unread_files: (key, read_problem, read_error) of files that are in the batch only to be
    reported (changed or unreadable): nothing of their content is read.
    """
    def explode(row):
        return explode_file(relative_key(row["path"], root), row["content"], max_line_bytes, max_file_bytes)

    records = spark.createDataFrame([("file", key, error, problem) for key, problem, error in unread_files], RECORDS_SCHEMA)
    if file_uris:
        binary = spark.read.format("binaryFile").load(list(file_uris))
        records = records.unionByName(spark.createDataFrame(binary.select("path", "content").rdd.flatMap(explode), RECORDS_SCHEMA))
    records = records.cache()
    # Spark's file sources skip 0-byte objects: such a file is an empty file, not a missing one.
    seen = {r["source_file"] for r in records.where("kind = 'file'").select("source_file").collect()}
    empty = sorted({relative_key(uri, root) for uri in file_uris} - seen)
    if empty:
        records = records.unionByName(spark.createDataFrame([("file", key, None, None) for key in empty], RECORDS_SCHEMA))
    stamp = ingested_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    records.where("kind = 'file'").selectExpr(
        "source_file",
        "CAST('%s' AS TIMESTAMP) AS ingested_at" % stamp,
        "text AS read_error",
        "problem AS read_problem",
    ).createOrReplaceTempView("batch_files")
    records.where("kind = 'line'").selectExpr("source_file", "text AS line", "problem AS line_problem").createOrReplaceTempView("batch_lines")
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
    return [uri for uri in listed if relative_key(uri, source_root(source_path)) not in recorded]
