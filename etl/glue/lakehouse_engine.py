"""The Glue engine: I/O and view registration around the shared SQL, driven by manifest.json.

Everything here is parameterised over Spark/Glue-like objects (spark, glue_context, job), an S3
store and a CloudWatch client, so tests/etl/glue/ runs it against recording stand-ins. It holds no
business rule: which SQL runs, in which order, which table each result replaces and which
partitions a merge must see all come from etl/manifest.json and tables.json (etl/schema.ts).

Order of effects in a run (the tests pin it):
  resolve arguments -> job.init -> Spark settings -> manifest + tables from etl_path ->
  repair of what a dead run left (write_journal.py) -> the batch (bookmark) -> input views ->
  steps in manifest order (writes in that order, so gold is never written before silver; each
  write only adds files, recorded first in the run's journal) -> journal commit (the files the
  writes replaced are deleted) -> log line + metrics -> job.commit, only if every write
  succeeded. Any exception before the journal commit leaves the lake as it was before the run
  (the next run rolls the journal back) and the bookmark where it was, so the next run reads the
  same files again; the merges make that replay produce identical tables.
"""
import datetime
import json
import time
import uuid

from batch_input import (
    BRONZE_TABLE_ID,
    INPUT_VIEWS,
    LEDGER_TABLE_ID,
    backfill_prefixes,
    build_input_views,
    discover_bookmarked_files,
    list_source_files,
    relative_key,
    source_key_problem,
    source_root,
    unrecorded_files,
)
from job_args import resolve_args
from write_journal import APPEND, REPLACE, WriteJournal
from lake_layout import join_uri, load_tables
import run_report

# zstd, set explicitly (Spark's default is Snappy): silver is the lake's largest table, and zstd
# files are smaller than Snappy's, which is S3 storage and the bytes every query scans; Athena
# engine v3, Trino and DuckDB all read it, and the local DuckDB engine writes the same codec.
PARQUET_CODEC = "zstd"

SPARK_SETTINGS = (
    # Timestamps are parsed and rendered in UTC, whatever the cluster's zone.
    ("spark.sql.session.timeZone", "UTC"),
    ("spark.sql.parquet.compression.codec", PARQUET_CODEC),
    # Timestamps as INT64 microseconds, the Parquet type every reader (Athena, Trino, DuckDB) maps
    # to a timestamp and the one the local DuckDB engine writes; Spark's default is legacy INT96.
    ("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS"),
    # Partition values read back stay text ("03" is not turned into 3); the read projection then
    # casts every column to its tables.json type.
    ("spark.sql.sources.partitionColumnTypeInference.enabled", "false"),
    # The shared SQL expects a failed cast to give NULL (the row is then quarantined), never to
    # fail the job; pinned in case a Glue version changes the default.
    ("spark.sql.ansi.enabled", "false"),
)


# The manifest's bound on the files of an appended partition (etl/manifest.ts documents it).
MAX_FILES_KEY = "maxFilesPerPartition"


class ManifestError(ValueError):
    """manifest.json does not match this engine or tables.json."""


class SystemClock:
    def now(self):
        return datetime.datetime.now(datetime.timezone.utc)

    def monotonic(self):
        return time.monotonic()


def configure_spark(spark):
    for key, value in SPARK_SETTINGS:
        spark.conf.set(key, value)


def load_manifest(storage, etl_path, tables):
    """manifest.json from etl_path, checked against the views this engine can build and tables.json."""
    uri = join_uri(etl_path, "manifest.json")
    manifest = json.loads(storage.read_text(uri))
    inputs = sorted(manifest.get("inputs", {}))
    if inputs != sorted(INPUT_VIEWS):
        raise ManifestError("%s: inputs %s, but the Glue job builds exactly %s" % (uri, inputs, sorted(INPUT_VIEWS)))
    manifest[MAX_FILES_KEY] = check_file_bound(uri, manifest.get(MAX_FILES_KEY))
    names = set(inputs)
    # Each table's latest read step not yet followed by a write of it: what a replace write replaces.
    latest_read = {}
    for step in manifest.get("steps", []):
        where = "%s step '%s'" % (uri, step.get("name"))
        if ("sql" in step) == ("read" in step):
            raise ManifestError("%s: expected exactly one of 'sql' or 'read'" % where)
        for table_id in filter(None, [step.get("writes"), step.get("read", {}).get("table")]):
            if table_id not in tables:
                raise ManifestError("%s: table '%s' is not in tables.json" % (where, table_id))
        if "read" in step and step["read"]["partitionsOf"] not in names:
            raise ManifestError("%s: partitionsOf '%s' is not an earlier view" % (where, step["read"]["partitionsOf"]))
        if "rangeOf" in step.get("read", {}):
            check_range_column(tables[step["read"]["table"]], step["read"]["rangeOf"], where)
        if step["name"] in names:
            raise ManifestError("%s: view name already defined" % where)
        check_write_mode(manifest, step, names, where)
        if step.get("writes"):
            check_replaced_read_is_whole(manifest, step, latest_read.pop(step["writes"], None), where)
        if "read" in step:
            latest_read[step["read"]["table"]] = step
        names.add(step["name"])
    return manifest


def check_file_bound(uri, bound):
    """maxFilesPerPartition as etl/manifest.ts validateManifest takes it: a whole number >= 1."""
    whole = isinstance(bound, int) or (isinstance(bound, float) and bound.is_integer())
    if isinstance(bound, bool) or not whole or bound < 1:
        raise ManifestError("%s: %s: expected a whole number >= 1, got %s" % (uri, MAX_FILES_KEY, json.dumps(bound)))
    return int(bound)


def check_range_column(layout, column, where):
    """`read.rangeOf` as etl/manifest.ts validateManifest takes it: a timestamp, date or number
    column of the table (bounds pass through text, which these types do exactly)."""
    types = {c["name"]: c["type"] for c in layout.columns}
    kind = types.get(column, "")
    if not (kind in ("timestamp", "date", "int", "bigint") or kind.startswith("decimal")):
        raise ManifestError("%s: rangeOf '%s' is not a timestamp, date or number column of %s" % (where, column, layout.id))


def check_replaced_read_is_whole(manifest, step, latest_read, where):
    """As etl/manifest.ts validateManifest: a write replaces the partitions its read loaded with
    its result, so rows a ranged read (rangeOf) left out would be lost."""
    if step.get("mode", REPLACE) == APPEND:
        replaced = next((s for s in manifest.get("steps", []) if s.get("name") == step.get("replacing")), None)
    else:
        replaced = latest_read
    if replaced is not None and "rangeOf" in replaced.get("read", {}):
        raise ManifestError("%s: replaces what read step '%s' loaded, which leaves rows out (rangeOf)" % (where, replaced["name"]))


def check_write_mode(manifest, step, earlier_views, where):
    """`mode` and `replacing` as etl/manifest.ts validateManifest takes them."""
    mode = step.get("mode", REPLACE)
    if mode not in (REPLACE, APPEND):
        raise ManifestError("%s: mode must be '%s' or '%s', got '%s'" % (where, REPLACE, APPEND, mode))
    if (not step.get("writes")) if mode == APPEND else ("replacing" in step):
        raise ManifestError("%s: 'replacing' goes with mode '%s', which goes with 'writes'" % (where, APPEND))
    if "replacing" in step:
        read = next((s for s in manifest.get("steps", []) if s.get("name") == step["replacing"]), {})
        if step["replacing"] not in earlier_views or read.get("read", {}).get("table") != step["writes"]:
            raise ManifestError("%s: replacing '%s' is not an earlier read step of %s" % (where, step["replacing"], step["writes"]))


def load_sql_texts(storage, etl_path, manifest):
    """Every step's SQL text, read before the batch so a missing file fails before any write."""
    return {s["name"]: storage.read_text(join_uri(etl_path, s["sql"])) for s in manifest["steps"] if "sql" in s}


def _row_dict(row):
    return row.asDict() if hasattr(row, "asDict") else dict(row)


def _quoted(names):
    return ["`%s`" % n for n in names]


class LakehouseRun:
    """One run of the job; see the module docstring for the order of effects."""

    def __init__(self, spark, glue_context, job, storage, cloudwatch, log=print, clock=None, batch_source=None, arg_schemes=("s3://",)):
        """batch_source: None on Glue (the job bookmark chooses the files); the local Spark
        adapter passes an object with files_to_read() (URIs), unread_files() ((key, read_problem,
        read_error) of files only reported) and mode instead. cloudwatch: None sends no
        metrics (the log line still has every figure)."""
        self.spark = spark
        self.glue_context = glue_context
        self.job = job
        self.storage = storage
        self.cloudwatch = cloudwatch
        self.log = log
        self.clock = clock or SystemClock()
        self.batch_source = batch_source
        self.arg_schemes = arg_schemes
        # Read step name -> the partition folder URIs it loaded (register_existing).
        self.loaded_partitions = {}
        # Table id -> its latest read step not yet followed by a write of the table.
        self.latest_read = {}
        # Table id -> appended partitions compacted into one file this run (write_table).
        self.partitions_compacted = {}

    # -- entry point ---------------------------------------------------------------------------

    def run(self, argv, get_resolved_options):
        started = self.clock.monotonic()
        args = resolve_args(argv, get_resolved_options, self.arg_schemes)
        self.args = args
        self.source_root = source_root(args["source_path"])
        self.job.init(args["JOB_NAME"], {k: v for k, v in args.items() if k != "backfill"})
        configure_spark(self.spark)
        self.tables = load_tables(json.loads(self.storage.read_text(join_uri(args["etl_path"], "tables.json"))))
        manifest = load_manifest(self.storage, args["etl_path"], self.tables)
        self.max_files_per_partition = manifest[MAX_FILES_KEY]
        self.sql_texts = load_sql_texts(self.storage, args["etl_path"], manifest)
        ingested_at = self.clock.now()
        run_id = ingested_at.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        # Before anything is read: a run that died before its commit left its journal, and the
        # lake must be made one complete version again (write_journal.py).
        self.journal = WriteJournal(self.storage, args["lake_path"], run_id, self.log)
        self.journal.recover()

        files, mode = self.select_batch(args)
        unread = self.batch_source.unread_files() if self.batch_source is not None else []
        if not files and not unread:
            summary = run_report.build_summary(
                args["JOB_NAME"], mode, 0,
                {run_report.METRICS_VIEW: [{column: 0 for column, _ in run_report.METRIC_COLUMNS.values()}]},
                {}, {}, self.clock.monotonic() - started,
            )
            summary["empty_batch"] = True
            self.finish(summary)
            return summary

        build_input_views(self.spark, files, ingested_at, self.source_root, args["max_line_bytes"], args["max_file_bytes"], unread)
        reports, partitions, seconds = self.run_steps(manifest)
        # Every write is done: they become final together.
        self.journal.commit()
        summary = run_report.build_summary(
            args["JOB_NAME"], mode, len(files) + len(unread), reports, partitions, seconds, self.clock.monotonic() - started
        )
        summary["partitions_compacted"] = dict(self.partitions_compacted)
        self.finish(summary)
        return summary

    # -- the batch -----------------------------------------------------------------------------

    def select_batch(self, args):
        """(source object URIs that can be processed, how they were chosen); the others are logged."""
        files, mode = self.candidate_files(args)
        path_layout = self.tables[BRONZE_TABLE_ID]
        kept = []
        for uri in files:
            problem = source_key_problem(relative_key(uri, self.source_root), path_layout)
            if problem:
                self.log(json.dumps({"event": "source_file_ignored", "file": uri, "reason": problem}))
            else:
                kept.append(uri)
        return kept, mode

    def candidate_files(self, args):
        """(source object URIs, how they were chosen)."""
        if self.batch_source is not None:
            return self.batch_source.files_to_read(), self.batch_source.mode
        if args["backfill"]:
            first, last = args["backfill"]
            return list_source_files(self.storage, backfill_prefixes(args["source_path"], first, last)), "backfill"
        try:
            return discover_bookmarked_files(self.glue_context, args["source_path"], args["max_files"]), "bookmark"
        except Exception as err:  # one unreadable object fails the whole bookmarked read
            self.log(json.dumps({"event": "bookmark_read_failed", "error": "%s: %s" % (type(err).__name__, err)[:2000],
                                 "fallback": "objects not yet in %s" % LEDGER_TABLE_ID}))
            ledger = self.tables[LEDGER_TABLE_ID]
            unrecorded = unrecorded_files(self.spark, self.storage, args["source_path"], ledger, args["lake_path"])
            return unrecorded[: args["max_files"]], "ledger_fallback"

    # -- the manifest steps --------------------------------------------------------------------

    def run_steps(self, manifest):
        reports, partitions, seconds = {}, {}, {}
        for step in manifest["steps"]:
            t0 = self.clock.monotonic()
            name = step["name"]
            if "sql" in step:
                df = self.spark.sql(self.sql_texts[name])
                if not step.get("writes") and not step.get("report"):
                    # A batch-scoped intermediate (parsed, *_batch) feeds several later steps:
                    # computed once and kept (memory, then local disk). A local checkpoint also
                    # cuts the view's plan to one leaf; cached views instead carry every upstream
                    # view's plan, which Spark analyses, optimises and matches against its cache
                    # again in each later step, and that planning took most of a small run. The
                    # price: an executor lost mid-run fails the run instead of recomputing its
                    # part, and the next run redoes the batch (the write journal rolls back).
                    df = df.localCheckpoint(eager=False)
                df.createOrReplaceTempView(name)
                if step.get("writes"):
                    partitions[step["writes"]] = self.write_table(name, self.tables[step["writes"]], step)
                if step.get("report"):
                    reports[name] = [_row_dict(r) for r in self.spark.table(name).collect()]
            else:
                self.register_existing(name, step["read"])
            seconds[name] = self.clock.monotonic() - t0
        return reports, partitions, seconds

    def register_existing(self, name, spec):
        """View `name` = current rows of the partitions of spec.table whose keys occur in spec.partitionsOf.

        Current rows are the files the partitions hold now, less the ones this run has already
        replaced (they stay in the lake until the run commits). The files are listed here and
        read as that exact list, so the view keeps the rows it had when registered: a later write
        only adds files, which it does not name.
        """
        layout = self.tables[spec["table"]]
        keys = list(spec.get("keys") or layout.partition_key_names)
        for key in keys:
            layout.key(key)
        rows = self.spark.table(spec["partitionsOf"]).selectExpr(*_quoted(keys)).distinct().collect()
        prefixes = sorted({
            layout.partition_uri(self.args["lake_path"], [(k, _row_dict(r)[k]) for k in keys])
            for r in rows
            if all(_row_dict(r)[k] is not None for k in keys)
        })
        superseded = self.journal.superseded()
        files = [f for f in self.table_files(layout, prefixes) if f not in superseded]
        # A later write of this table replaces what this read loaded (see write_table); a read by
        # leading keys (whole days of an hourly table) loaded the partition folders its files are in.
        self.loaded_partitions[name] = sorted({self.partition_folder(layout, f) for f in files})
        self.latest_read[layout.id] = name
        df = self.read_files(layout, files) if files else self.spark.createDataFrame([], layout.ddl())
        if files and spec.get("rangeOf"):
            df = df.where(self.range_condition(layout, spec["rangeOf"], spec["partitionsOf"]))
        df.createOrReplaceTempView(name)

    def range_condition(self, layout, column, view):
        """A read's `rangeOf` as a condition with literal bounds, which Spark pushes into the
        Parquet reader: between the least and greatest value the column has in the view."""
        bounds = self.spark.table(view).selectExpr(
            "CAST(min(`%s`) AS STRING) AS low" % column, "CAST(max(`%s`) AS STRING) AS high" % column
        ).collect()[0]
        low, high = bounds["low"], bounds["high"]
        if low is None:
            return "false"
        kind = next(c["type"] for c in layout.columns if c["name"] == column)
        return "`%s` BETWEEN CAST('%s' AS %s) AND CAST('%s' AS %s)" % (column, low, kind, high, kind)

    def read_files(self, layout, files):
        """The rows of the given data files of a table, typed as tables.json says."""
        base = layout.base_uri(self.args["lake_path"]) + "/"
        return self.spark.read.schema(layout.ddl()).option("basePath", base).parquet(*files).selectExpr(*layout.read_projection())

    def table_files(self, layout, prefixes):
        """The table's data files under the partition prefixes."""
        return [f for prefix in prefixes for f in self.data_files(layout, self.storage.list_uris(prefix))]

    def data_files(self, layout, uris):
        """The object URIs that are data files of the table: objects inside a full partition
        folder whose name Spark would read. Markers such as "event_hour=1_$folder$", _SUCCESS,
        the writer's _temporary scratch and hidden files name no rows."""
        names = layout.partition_key_names
        base = layout.base_uri(self.args["lake_path"]) + "/"
        files = []
        for uri in uris:
            parts = uri[len(base):].split("/")
            in_partition = len(parts) > len(names) and all(seg.startswith(n + "=") for seg, n in zip(parts, names))
            if in_partition and not any(p.startswith(("_", ".")) for p in parts[len(names):]):
                files.append(uri)
        return files

    def partition_folder(self, layout, file_uri):
        base = layout.base_uri(self.args["lake_path"]) + "/"
        return base + "/".join(file_uri[len(base):].split("/")[: len(layout.partition_key_names)]) + "/"

    def write_table(self, name, layout, step):
        """Writes view `name` to its table as the step's mode says (etl/manifest.ts), one new file
        per partition it has rows in, deleting nothing: the partitions it replaces, including the
        ones a read loaded that the result has no row for and the appended ones it compacts, are
        recorded in the write journal and their old files deleted when the run commits. Returns
        how many partitions were written or emptied."""
        keys = layout.partition_key_names
        mode = step.get("mode", REPLACE)
        # replace: the latest earlier read of the table; append: the read named by `replacing`.
        read_step = step.get("replacing") if mode == APPEND else self.latest_read.get(layout.id)
        loaded = set(self.loaded_partitions.get(read_step, []))
        self.latest_read.pop(layout.id, None)
        base = layout.base_uri(self.args["lake_path"]) + "/"
        # One file per partition and batch (rows of a partition meet in one task), so the file
        # count grows with batches, not with the cluster's task count. Cached: the result is
        # computed once for counting its partitions and once for writing.
        df = self.spark.table(name).selectExpr(*layout.write_projection()).repartition(*_quoted(keys)).cache()
        try:
            touched = df.selectExpr(*_quoted(keys)).distinct().collect()
            written = {layout.partition_uri(self.args["lake_path"], [(k, _row_dict(r)[k]) for k in keys]) for r in touched}
            # A partition the read loaded but the result has no rows for: all its rows came from
            # this batch's files, which no longer produce any (e.g. a corrupt file that was fixed).
            emptied = sorted(loaded - written)
            replaced = (written if mode == REPLACE else written & loaded) | set(emptied)
            if not written and not emptied:
                self.log(json.dumps({"event": "write_skipped", "table": layout.id, "reason": "no rows in this batch"}))
                return 0
            # The objects of every appended partition, listed once for the bound and the journal.
            listed = {uri: sorted(self.storage.list_uris(uri)) for uri in sorted(written - replaced)}
            compacted = self.partitions_to_compact(layout, listed)
            self.journal.begin(layout.id, base, sorted(replaced | set(compacted)), sorted(set(listed) - set(compacted)), listed)
            rows = df
            if compacted:
                # The partition's current rows join the batch's and, repartitioned by the keys,
                # land in the same single file, which replaces the partition at commit.
                existing = self.read_files(layout, [f for uri in sorted(compacted) for f in compacted[uri]])
                rows = existing.selectExpr(*layout.write_projection()).unionByName(df).repartition(*_quoted(keys))
                self.partitions_compacted[layout.id] = self.partitions_compacted.get(layout.id, 0) + len(compacted)
                self.log(json.dumps({"event": "partitions_compacted", "table": layout.id, "partitions": len(compacted),
                                     "max_files_per_partition": self.max_files_per_partition}))
            if touched:
                rows.write.mode("append").option("compression", PARQUET_CODEC).partitionBy(*keys).parquet(base)
        finally:
            df.unpersist()
        for uri in emptied:
            self.log(json.dumps({"event": "partition_emptied", "table": layout.id, "partition": uri}))
        return len(touched) + len(emptied)

    def partitions_to_compact(self, layout, listed):
        """{partition folder URI: its current data files} of the appended partitions that one
        more file would put over the manifest's bound. Only names are looked at: a partition
        under the bound costs no read."""
        superseded = self.journal.superseded()
        current = {uri: [f for f in self.data_files(layout, objects) if f not in superseded] for uri, objects in listed.items()}
        return {uri: files for uri, files in current.items() if len(files) + 1 > self.max_files_per_partition}

    # -- the end -------------------------------------------------------------------------------

    def finish(self, summary):
        """Log line, metrics, then the bookmark commit (the very last effect of a run)."""
        self.log(run_report.log_line(summary))
        try:
            if self.cloudwatch is not None:
                run_report.publish(self.cloudwatch, self.args["metrics_namespace"], summary)
        except Exception as err:  # the tables are written: a metrics outage must not replay the batch
            self.log(json.dumps({"event": "metrics_not_sent", "error": "%s: %s" % (type(err).__name__, err)}))
        self.job.commit()
