"""The Glue engine: I/O and view registration around the shared SQL, driven by manifest.json.

Everything here is parameterised over Spark/Glue-like objects (spark, glue_context, job), an S3
store and a CloudWatch client, so tests/glue/ runs it against recording stand-ins. It holds no
business rule: which SQL runs, in which order, which table each result replaces and which
partitions a merge must see all come from etl/manifest.json and tables.json (etl/schema.ts).

Order of effects in a run (the tests pin it):
  resolve arguments -> job.init -> Spark settings -> manifest + tables from etl_path ->
  the batch (bookmark) -> input views -> steps in manifest order (writes in that order, so gold
  is never written before silver; each write is followed by the deletion of the partitions its
  merge read that the result has no row for) -> log line + metrics -> job.commit, only if every write
  succeeded. Any exception before the commit leaves the bookmark where it was, so the next run
  reads the same files again; the merges make that replay produce identical tables.
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
from write_journal import WriteJournal
from lake_layout import join_uri, load_tables
import run_report

# Snappy, set explicitly: Spark's and Glue's usual codec, read by every Athena engine version and
# by DuckDB, and the cheapest to decode; at these volumes zstd's smaller files save little.
PARQUET_CODEC = "snappy"

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
    names = set(inputs)
    for step in manifest.get("steps", []):
        where = "%s step '%s'" % (uri, step.get("name"))
        if ("sql" in step) == ("read" in step):
            raise ManifestError("%s: expected exactly one of 'sql' or 'read'" % where)
        for table_id in filter(None, [step.get("writes"), step.get("read", {}).get("table")]):
            if table_id not in tables:
                raise ManifestError("%s: table '%s' is not in tables.json" % (where, table_id))
        if "read" in step and step["read"]["partitionsOf"] not in names:
            raise ManifestError("%s: partitionsOf '%s' is not an earlier view" % (where, step["read"]["partitionsOf"]))
        if step["name"] in names:
            raise ManifestError("%s: view name already defined" % where)
        names.add(step["name"])
    return manifest


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
        # Table id -> partition folder URIs its pending merge read (register_existing).
        self.read_partitions = {}

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
        self.sql_texts = load_sql_texts(self.storage, args["etl_path"], manifest)
        ingested_at = self.clock.now()
        run_id = ingested_at.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.staging_root = join_uri(args["TempDir"], "lakehouse-staging", run_id)
        # Before anything is read: a run that died mid-write left partitions to repair.
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
        summary = run_report.build_summary(
            args["JOB_NAME"], mode, len(files) + len(unread), reports, partitions, seconds, self.clock.monotonic() - started
        )
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
        steps = manifest["steps"]
        reports, partitions, seconds = {}, {}, {}
        for index, step in enumerate(steps):
            t0 = self.clock.monotonic()
            name = step["name"]
            if "sql" in step:
                df = self.spark.sql(self.sql_texts[name])
                if not step.get("writes") and not step.get("report"):
                    # A batch-scoped intermediate (parsed, *_batch) feeds several later steps;
                    # caching it spares re-parsing every line for each of them.
                    df = df.cache()
                df.createOrReplaceTempView(name)
                if step.get("writes"):
                    partitions[step["writes"]] = self.write_table(name, self.tables[step["writes"]])
                if step.get("report"):
                    reports[name] = [_row_dict(r) for r in self.spark.table(name).collect()]
            else:
                later_writes = {s.get("writes") for s in steps[index + 1:]}
                self.register_existing(name, step["read"], snapshot=step["read"]["table"] in later_writes)
            seconds[name] = self.clock.monotonic() - t0
        return reports, partitions, seconds

    def register_existing(self, name, spec, snapshot):
        """View `name` = current rows of the partitions of spec.table whose keys occur in spec.partitionsOf.

        When a later step rewrites that table, the rows are first copied to a staging prefix:
        Spark reads lazily, so without the copy the merge would read the very files its own
        overwrite deletes (and any later view over them would see the new content).
        """
        layout = self.tables[spec["table"]]
        keys = list(spec.get("keys") or layout.partition_key_names)
        for key in keys:
            layout.key(key)
        rows = self.spark.table(spec["partitionsOf"]).selectExpr(*_quoted(keys)).distinct().collect()
        uris = sorted({
            layout.partition_uri(self.args["lake_path"], [(k, _row_dict(r)[k]) for k in keys])
            for r in rows
            if all(_row_dict(r)[k] is not None for k in keys)
        })
        existing = [u for u in uris if self.storage.exists(u)]
        if snapshot:
            # The later write of this table deletes what it read but no longer produces (see
            # write_table); the latest read of a table before its write is the one that counts.
            self.read_partitions[layout.id] = self.partition_folders(layout, keys, existing)
        if not existing:
            df = self.spark.createDataFrame([], layout.ddl())
        else:
            base = layout.base_uri(self.args["lake_path"]) + "/"
            df = self.spark.read.schema(layout.ddl()).option("basePath", base).parquet(*existing).selectExpr(*layout.read_projection())
            if snapshot:
                df = self.stage(df, name, layout)
        df.createOrReplaceTempView(name)

    def partition_folders(self, layout, keys, prefixes):
        """Full partition folder URIs under the read prefixes.

        A read by all partition keys already names folders. A read by leading keys only (e.g.
        whole days of an hourly table) loads every folder under each prefix, so those are listed:
        the emptied-partition rule works on partitions, as the local engine does, never on a
        whole day that the result may still have other hours of.
        """
        names = layout.partition_key_names
        if list(keys) == names:
            return list(prefixes)
        base = layout.base_uri(self.args["lake_path"]) + "/"
        folders = set()
        for prefix in prefixes:
            for uri in self.storage.list_uris(prefix):
                # Only objects inside a full partition folder count; markers such as
                # "event_hour=1_$folder$" or a stray _SUCCESS name no partition.
                parts = uri[len(base):].split("/")
                segments = parts[: len(names)]
                if len(parts) > len(names) and all(seg.startswith(n + "=") for seg, n in zip(segments, names)):
                    folders.add(base + "/".join(segments) + "/")
        return sorted(folders)

    def stage(self, df, name, layout):
        uri = join_uri(self.staging_root, name) + "/"
        df.write.mode("overwrite").option("compression", PARQUET_CODEC).parquet(uri)
        return self.spark.read.schema(layout.ddl()).parquet(uri)

    def write_table(self, name, layout):
        """Replaces exactly the partitions present in view `name`, and deletes the partitions
        this run read for the merge that the result no longer has rows for; returns how many
        partitions were replaced or deleted. New files are added before old ones are deleted,
        through the write journal (write_journal.py), so no failure loses a partition."""
        keys = layout.partition_key_names
        read = self.read_partitions.pop(layout.id, [])
        base = layout.base_uri(self.args["lake_path"]) + "/"
        # One file per partition and batch (rows of a partition meet in one task), so the file
        # count grows with batches, not with the cluster's task count. Cached: the result is
        # computed once for counting its partitions and once for writing.
        df = self.spark.table(name).selectExpr(*layout.write_projection()).repartition(*_quoted(keys)).cache()
        try:
            touched = df.selectExpr(*_quoted(keys)).distinct().collect()
            written = {layout.partition_uri(self.args["lake_path"], [(k, _row_dict(r)[k]) for k in keys]) for r in touched}
            # A partition the merge read but no longer has rows for: all its rows came from this
            # batch's files, which no longer produce any (e.g. a corrupt file that was fixed).
            emptied = [uri for uri in read if uri not in written]
            changing = sorted(written | set(emptied))
            if not changing:
                self.log(json.dumps({"event": "write_skipped", "table": layout.id, "reason": "no rows in this batch"}))
                return 0
            self.journal.begin(layout.id, base, changing)
            if touched:
                df.write.mode("append").option("compression", PARQUET_CODEC).partitionBy(*keys).parquet(base)
            self.journal.written(layout.id)
        finally:
            df.unpersist()
        self.journal.finish(layout.id)
        for uri in emptied:
            self.log(json.dumps({"event": "partition_emptied", "table": layout.id, "partition": uri}))
        return len(touched) + len(emptied)

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
