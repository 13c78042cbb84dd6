"""The Glue job's engine on a local SparkSession: `lakehouse run --engine spark`.

lakehouse_engine.LakehouseRun (etl/glue) does the work exactly as on Glue: the same manifest,
SQL files, input views, reads, writes and report. Only the I/O adapter differs:
  - storage: LocalStore over file:// URIs instead of S3Store;
  - the batch: the files the caller lists (etl/spark/engine.ts picks them from the lake's
    processed-files state, as the DuckDB engine does) instead of the job bookmark;
  - no job bookmark commit and no CloudWatch metrics: the caller commits the processed-files
    state after this process exits 0, and the run's figures are printed as one JSON line.

Usage: python local_run.py --spec SPEC.json (written by etl/spark/engine.ts; fields below).
Exit status: 0 done, 2 bad arguments (one line on stderr), 1 any other failure.
"""
import datetime
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GLUE_DIR = os.path.join(os.path.dirname(HERE), "glue")
sys.path.insert(0, GLUE_DIR)

from batch_input import normalize_uri  # noqa: E402
from job_args import ArgumentError  # noqa: E402
from lakehouse_engine import LakehouseRun  # noqa: E402


def file_uri(path, folder=False):
    """file:///abs/path, the form Hadoop takes a local path in literally."""
    uri = "file://" + os.path.abspath(path)
    return uri.rstrip("/") + "/" if folder else uri


def local_path(uri):
    uri = normalize_uri(uri)
    if not uri.startswith("file:///"):
        raise ValueError("'%s' is not a file:/// URI" % uri)
    return uri[len("file://"):]


class LocalStore:
    """The operations S3Store offers, on the local file system."""

    def read_text(self, uri):
        with open(local_path(uri), encoding="utf-8") as fh:
            return fh.read()

    def write_text(self, uri, text):
        path = local_path(uri)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(path + ".tmp", path)

    def delete_uris(self, uris):
        for uri in uris:
            try:
                os.remove(local_path(uri))
            except FileNotFoundError:
                pass

    def exists(self, prefix_uri):
        path = local_path(prefix_uri)
        return os.path.isfile(path) or (os.path.isdir(path) and any(True for _ in self.list_uris(prefix_uri)))

    def list_uris(self, prefix_uri):
        top = local_path(prefix_uri)
        for folder, _dirs, names in os.walk(top):
            for name in sorted(names):
                yield file_uri(os.path.join(folder, name))

    def delete_prefix(self, prefix_uri):
        path = local_path(prefix_uri)
        count = sum(len(names) for _f, _d, names in os.walk(path))
        if os.path.isdir(path):
            shutil.rmtree(path)
        return count


class LocalJob:
    """Job.init/commit without a bookmark: the caller records the processed files."""

    def init(self, name, args):
        self.name = name

    def commit(self):
        self.committed = True


class ListedBatch:
    """The batch etl/spark/engine.ts chose: files to read, and files only to report (changed or
    unreadable, with their problem), as the DuckDB engine's scan gives them."""

    mode = "local"

    def __init__(self, source, entries):
        self._read = [file_uri(os.path.join(source, e["key"])) for e in entries if not e.get("readProblem")]
        self._unread = [(e["key"], e["readProblem"], e.get("readError")) for e in entries if e.get("readProblem")]

    def files_to_read(self):
        return list(self._read)

    def unread_files(self):
        return list(self._unread)


class FixedClock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now

    def monotonic(self):
        import time

        return time.monotonic()


def resolved_options(argv, names):
    """getResolvedOptions of awsglue.utils for `--name value` pairs (the only form passed here)."""
    values = {}
    for i, arg in enumerate(argv):
        if arg.startswith("--") and arg[2:] in names and i + 1 < len(argv):
            values[arg[2:]] = argv[i + 1]
    return values


def spark_session(spec):
    # The Python workers run this interpreter (the project's virtual environment), not whatever
    # python3 comes first on PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[%s]" % spec.get("cores", "*"))
        .appName("lakehouse-local")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", spec.get("driverMemory", "2g"))
        # Small batches on one machine: a few shuffle partitions, not the cluster default of 200.
        .config("spark.sql.shuffle.partitions", str(spec.get("shufflePartitions", 2)))
        # The lake holds Parquet files only: no _SUCCESS markers, no .crc checksum files.
        .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
        .config("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
        .config("spark.hadoop.fs.file.impl.disable.cache", "true")
        .config("spark.sql.warehouse.dir", file_uri(os.path.join(spec["temp"], "warehouse"), folder=True))
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.configurationFile=" + file_uri(os.path.join(HERE, "log4j2.properties")))
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # The engine's modules reach the Python workers as Glue's --extra-py-files sends them.
    for name in sorted(os.listdir(GLUE_DIR)):
        if name.endswith(".py") and name != "job.py":
            spark.sparkContext.addPyFile(os.path.join(GLUE_DIR, name))
    return spark


def job_argv(spec):
    return [
        "local_run.py",
        "--JOB_NAME", "lakehouse-local",
        "--source_path", file_uri(os.path.join(spec["source"], "events"), folder=True),
        "--lake_path", file_uri(spec["lake"], folder=True),
        "--etl_path", file_uri(spec["etl"], folder=True),
        "--bronze_database", "bronze",
        "--silver_database", "silver",
        "--gold_database", "gold",
        "--metrics_namespace", "Lakehouse/ETL",
        "--TempDir", file_uri(spec["temp"], folder=True),
        "--max_line_bytes", str(spec["maxLineBytes"]),
        "--max_file_bytes", str(spec["maxFileBytes"]),
    ]


def undo_failed_run(run):
    """Repairs the lake at once after a failed run, as the DuckDB engine does after its own: the
    run's journal is rolled back (or forward, when it failed while committing), so the lake is
    a complete version for either engine to continue. Only a killed process leaves the repair
    to the next Spark run."""
    journal = getattr(run, "journal", None)  # None when the run failed before it had one
    if journal is None:
        return
    try:
        journal.recover()
    except Exception as err:  # the run's own error is the one to report; the next run repairs
        print(json.dumps({"event": "repair_after_failure_failed", "error": "%s: %s" % (type(err).__name__, err)}), file=sys.stderr, flush=True)


def main(argv):
    if len(argv) != 3 or argv[1] != "--spec":
        print("local_run.py: expected --spec SPEC.json", file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as fh:
        spec = json.load(fh)
    now = datetime.datetime.fromisoformat(spec["now"].replace("Z", "+00:00"))
    spark = spark_session(spec)
    run = None
    try:
        run = LakehouseRun(
            spark=spark,
            glue_context=None,
            job=LocalJob(),
            storage=LocalStore(),
            cloudwatch=None,
            log=lambda line: print(line, file=sys.stderr, flush=True),
            clock=FixedClock(now),
            batch_source=ListedBatch(spec["source"], spec["files"]),
            arg_schemes=("file://",),
        )
        summary = run.run(job_argv(spec), resolved_options)
        # The files not read whole, with why, for the caller's processed-files state.
        summary["read_problems"] = {
            r["source_file"]: {"problem": r["read_problem"], "error": r["read_error"]}
            for r in spark.table("batch_files").where("read_problem IS NOT NULL").collect()
        } if summary["files_read"] else {}
    except ArgumentError as err:
        print("lakehouse-spark: %s" % err, file=sys.stderr, flush=True)
        return 2
    except Exception:
        undo_failed_run(run)
        raise
    finally:
        spark.stop()
    print(json.dumps(summary, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
