"""Builds a LakehouseRun wired to the recording stand-ins, with the REAL etl/manifest.json,
tables.json (rendered from etl/schema.ts) and SQL files served from a fake etl_path."""
import datetime
import gzip
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "etl", "glue"))
sys.path.insert(0, os.path.dirname(__file__))

import fake_glue  # noqa: E402
from lakehouse_engine import LakehouseRun  # noqa: E402

SOURCE = "s3://capstone-events-s1-123/events/"
LAKE = "s3://capstone-analytics-s1-123/"
ETL = "s3://capstone-analytics-s1-123/etl/"
TEMP = "s3://capstone-analytics-s1-123/glue-temp/"
# Where write_journal.py keeps its entries (under the lake).
JOURNAL = LAKE + "_state/journal/"
# 100 real lines of the course starter generator (copied from the shared fixtures).
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "starter-sample-100.jsonl.gz")

ARGS = {
    "JOB_NAME": "lakehouse-etl-s1",
    "source_path": SOURCE,
    "lake_path": LAKE,
    "etl_path": ETL,
    "bronze_database": "bronze_s1",
    "silver_database": "silver_s1",
    "gold_database": "gold_s1",
    "metrics_namespace": "Lakehouse/ETL",
    "TempDir": TEMP,
}

_TABLES_JSON = None


def tables_json():
    """tables.json as EtlPipeline uploads it: tablesDocument() of etl/schema.ts."""
    global _TABLES_JSON
    if _TABLES_JSON is None:
        path = os.environ.get("LAKEHOUSE_TABLES_JSON")
        if path:
            with open(path, encoding="utf-8") as fh:
                _TABLES_JSON = fh.read()
        else:
            tsx = os.path.join(ROOT, "node_modules", ".bin", "tsx")
            script = "process.stdout.write(JSON.stringify(require('./etl/schema').tablesDocument()))"
            _TABLES_JSON = subprocess.run([tsx, "-e", script], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return _TABLES_JSON


def manifest():
    with open(os.path.join(ROOT, "etl", "manifest.json"), encoding="utf-8") as fh:
        return json.load(fh)


def sql_text(relative):
    """The SQL file's text, or a marker naming it while the transforms are not written yet."""
    path = os.path.join(ROOT, "etl", relative)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    return "-- stand-in for %s (file not in the repo yet)\nSELECT 1" % relative


def etl_texts():
    texts = {ETL + "manifest.json": json.dumps(manifest()), ETL + "tables.json": tables_json()}
    for step in manifest()["steps"]:
        if "sql" in step:
            texts[ETL + step["sql"]] = sql_text(step["sql"])
    return texts


def argv(**overrides):
    values = dict(ARGS)
    values.update(overrides)
    out = ["job.py"]
    for key, value in values.items():
        if value is not None:
            out += ["--" + key, value]
    return out


def gz(lines):
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))


def source_uri(day, hour, minute, name):
    return SOURCE + "year=2025/month=11/day=%02d/hour=%02d/minute=%02d/%s" % (day, hour, minute, name)


class Harness:
    def __init__(self):
        self.recorder = fake_glue.Recorder()
        self.spark = fake_glue.FakeSpark(self.recorder)
        self.glue = fake_glue.FakeGlueContext(self.spark, self.recorder)
        self.job = fake_glue.FakeJob(self.recorder)
        self.storage = fake_glue.FakeStorage(self.spark, self.recorder, etl_texts())
        self.cloudwatch = fake_glue.FakeCloudWatch(self.recorder)
        self.lines = []
        self.clock = fake_glue.FakeClock(datetime.datetime(2025, 11, 19, 18, 0, 5, tzinfo=datetime.timezone.utc))

    def add_source(self, uri, content, new=True):
        self.spark.source_objects[uri] = content
        if new:
            self.glue.bookmark_new.append(uri)

    def run(self, args=None, batch_source=None):
        engine = LakehouseRun(self.spark, self.glue, self.job, self.storage, self.cloudwatch, self.lines.append, self.clock,
                              batch_source=batch_source)
        return engine.run(args or argv(), fake_glue.fake_get_resolved_options)

    def put_partition(self, folder, rows, name="part-00000-old.c000.snappy.parquet"):
        """One parquet object in a lake partition folder, as an earlier run left it; returns its URI."""
        uri = folder + name
        self.spark.lake_files[uri] = [dict(r) for r in rows]
        return uri

    def since(self, mark):
        """Events recorded after position `mark` of the timeline (e.g. the second run's)."""
        return self.recorder.events[mark:]

    def deleted(self, events=None):
        """Every object URI deleted through delete_uris, in order."""
        events = self.recorder.events if events is None else events
        return [u for k, d in events if k == "delete_uris" for u in d["uris"]]

    def journal_objects(self):
        """Journal object URI -> its parsed entries (table id -> entry)."""
        return {u: json.loads(t) for u, t in self.storage.texts.items() if u.startswith(JOURNAL)}

    def journal_saves(self):
        """(timeline index, entries) of every journal object written, in order."""
        return [(i, json.loads(d["text"])) for i, (k, d) in enumerate(self.recorder.events)
                if k == "write_text" and d["uri"].startswith(JOURNAL)]

    def kinds(self):
        return [k for k, _ in self.recorder.events]

    def writes(self):
        return self.recorder.of("write")

    def lake_writes(self):
        return [w for w in self.writes() if w["path"].startswith(LAKE) and not w["path"].startswith(TEMP)]
