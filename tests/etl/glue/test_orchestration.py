"""Orchestration of etl/glue against recording stand-ins (python3 -m unittest, standard library).

Run from the repository root:  python3 -m unittest discover -s tests/etl/glue -t tests/etl/glue
"""
import base64
import gzip
import json
import unittest

import harness
from harness import ETL, LAKE, SOURCE, TEMP, Harness, argv, gz, source_uri

import batch_input
import job_args
import lake_layout
import run_report
import write_journal

PATH_KEYS = {"year": "2025", "month": "11", "day": "19", "hour": "17"}
SILVER_TOUCHED = [{"event_date": "2025-11-19", "event_hour": 17}, {"event_date": "2025-11-19", "event_hour": 18}]
METRICS_ROW = {"lines_read": 102, "bronze_rows": 101, "silver_rows_added": 95, "duplicates_dropped": 2,
               "records_quarantined": 5, "corrupt_files": 1}
REASONS = [{"reason": "malformed_json", "records": 1}, {"reason": "missing_field", "records": 3},
           {"reason": "corrupt_file", "records": 1}]


def typical(h):
    """One new file landing at 17:5x whose events fall in hours 17 and 18; what each step returns."""
    with open(harness.FIXTURE, "rb") as fh:
        h.add_source(source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz"), fh.read())
    rows = h.spark.view_rows
    for view in ("batch_partitions", "bronze", "quarantine_batch", "quarantine", "ledger_batch", "file_ledger"):
        rows[view] = [dict(PATH_KEYS)]
    for view in ("silver_batch", "silver", "silver_changed_hours"):
        rows[view] = [dict(r) for r in SILVER_TOUCHED]
    for step in harness.manifest()["steps"]:
        if step.get("writes", "").startswith("gold."):
            # hour 17 of the 19th; a daily table's write takes only the date of it
            rows[step["name"]] = [{"event_date": "2025-11-19", "event_hour": 17}]
    rows["run_metrics"] = [dict(METRICS_ROW)]
    rows["run_quarantine_reasons"] = [dict(r) for r in REASONS]
    return h


def sql_steps():
    return [s for s in harness.manifest()["steps"] if "sql" in s]


class ManifestDrivenSteps(unittest.TestCase):
    def test_sql_files_run_in_manifest_order_loaded_from_etl_path(self):
        h = typical(Harness())
        h.run()
        expected = [harness.sql_text(s["sql"]) for s in sql_steps()]
        self.assertEqual([e["text"] for e in h.recorder.of("sql")], expected)
        sql_reads = [e["uri"] for e in h.recorder.of("read_text") if e["uri"].endswith(".sql")]
        self.assertEqual(sql_reads, [ETL + s["sql"] for s in sql_steps()])

    def test_every_sql_file_is_loaded_before_the_batch_is_read(self):
        h = typical(Harness())
        h.run()
        last_sql_read = max(i for i, (k, d) in enumerate(h.recorder.events) if k == "read_text" and d["uri"].endswith(".sql"))
        self.assertLess(last_sql_read, h.recorder.index("from_options"))

    def test_a_missing_sql_file_fails_before_any_read_or_write(self):
        h = typical(Harness())
        del h.storage.texts[ETL + sql_steps()[-1]["sql"]]
        with self.assertRaisesRegex(FileNotFoundError, sql_steps()[-1]["sql"]):
            h.run()
        self.assertEqual(h.recorder.of("from_options"), [])
        self.assertEqual(h.writes(), [])
        self.assertNotIn("job.commit", h.kinds())

    def test_intermediate_views_are_checkpointed_once_each(self):
        h = typical(Harness())
        h.run()
        intermediate = [s for s in sql_steps() if not s.get("writes") and not s.get("report")]
        checkpoints = [e for e in h.recorder.of("localCheckpoint") if e["label"] == "sql"]
        self.assertEqual(len(checkpoints), len(intermediate))
        # computed by the first step that reads it, not where it is defined
        self.assertEqual({e["eager"] for e in checkpoints}, {False})
        self.assertEqual([e for e in h.recorder.of("cache") if e["label"] == "sql"], [])

    def test_views_are_the_manifest_inputs_then_each_step(self):
        h = typical(Harness())
        h.run()
        m = harness.manifest()
        names = [e["name"] for e in h.recorder.of("view")]
        self.assertEqual(set(names[:2]), set(m["inputs"]))
        self.assertEqual(names[2:], [s["name"] for s in m["steps"]])

    def test_manifest_with_an_unknown_input_view_is_refused_before_reading_files(self):
        h = typical(Harness())
        changed = harness.manifest()
        changed["inputs"]["batch_extra"] = "a view the Glue job cannot build"
        h.storage.texts[ETL + "manifest.json"] = json.dumps(changed)
        with self.assertRaisesRegex(ValueError, "batch_extra"):
            h.run()
        self.assertEqual(h.recorder.of("from_options"), [])
        self.assertEqual(h.recorder.of("job.commit"), [])

    def test_spark_settings_before_any_read(self):
        h = typical(Harness())
        h.run()
        conf = h.spark.conf.values
        self.assertEqual(conf["spark.sql.session.timeZone"], "UTC")
        # Partitions are replaced add-then-delete through the write journal, never by Spark's
        # dynamic overwrite (which deletes a partition's files before the new ones land).
        self.assertNotIn("spark.sql.sources.partitionOverwriteMode", conf)
        self.assertEqual(conf["spark.sql.parquet.compression.codec"], "zstd")
        last_conf = max(i for i, (k, _) in enumerate(h.recorder.events) if k == "conf")
        self.assertLess(last_conf, h.recorder.index("from_options"))


class ManifestWriteModes(unittest.TestCase):
    """`mode` and `replacing` are checked as etl/manifest.ts validateManifest checks them, before
    any file of the batch is read."""

    def refused(self, change, message):
        h = typical(Harness())
        changed = harness.manifest()
        change({s["name"]: s for s in changed["steps"]})
        h.storage.texts[ETL + "manifest.json"] = json.dumps(changed)
        with self.assertRaisesRegex(ValueError, message):
            h.run()
        self.assertEqual(h.recorder.of("from_options"), [])
        self.assertEqual(h.writes(), [])

    def test_the_real_manifest_appends_bronze_quarantine_and_silver(self):
        modes = {s["writes"]: s.get("mode", "replace") for s in harness.manifest()["steps"] if s.get("writes")}
        self.assertEqual({t for t, m in modes.items() if m == "append"}, {"bronze.events", "quarantine.events", "silver.events"})

    def test_an_unknown_mode_is_refused_naming_the_step(self):
        self.refused(lambda steps: steps["silver"].update(mode="upsert"), "step 'silver': mode must be 'replace' or 'append', got 'upsert'")

    def test_replacing_without_append_is_refused(self):
        self.refused(lambda steps: steps["silver"].pop("mode"), "step 'silver': 'replacing' goes with mode 'append'")

    def test_append_without_writes_is_refused(self):
        self.refused(lambda steps: steps["silver_ranked"].update(mode="append"), "step 'silver_ranked': 'replacing' goes with mode 'append', which goes with 'writes'")

    def test_replacing_must_name_an_earlier_read_of_the_same_table(self):
        self.refused(lambda steps: steps["silver"].update(replacing="bronze_existing"), "step 'silver': replacing 'bronze_existing' is not an earlier read step of silver.events")
        self.refused(lambda steps: steps["silver"].update(replacing="silver_hours"), "replacing 'silver_hours' is not an earlier read step")
        self.refused(lambda steps: steps["silver"].update(replacing="silver_ranked"), "replacing 'silver_ranked' is not an earlier read step")


    def test_range_of_must_be_a_timestamp_date_or_number_column_of_the_table(self):
        self.refused(lambda steps: steps["silver_keys"]["read"].update(rangeOf="user_id"), "step 'silver_keys': rangeOf 'user_id' is not a timestamp, date or number column of silver.events")
        self.refused(lambda steps: steps["silver_keys"]["read"].update(rangeOf="no_such_column"), "rangeOf 'no_such_column' is not a timestamp")

    def test_a_write_may_not_replace_what_a_ranged_read_loaded(self):
        self.refused(lambda steps: steps["silver"].update(replacing="silver_keys"), "step 'silver': replaces what read step 'silver_keys' loaded, which leaves rows out")
        self.refused(lambda steps: steps["hour_event_counts"]["read"].update(rangeOf="events"), "step 'gold_hourly_event_counts': replaces what read step 'hour_event_counts' loaded")


class PartitionScopedWrites(unittest.TestCase):
    def test_each_table_written_once_in_manifest_order_in_append_mode(self):
        h = typical(Harness())
        h.run()
        tables = lake_layout.load_tables(json.loads(harness.tables_json()))
        written = [tables[s["writes"]] for s in harness.manifest()["steps"] if s.get("writes")]
        writes = h.lake_writes()
        self.assertEqual([w["path"] for w in writes], [LAKE + t.location + "/" for t in written])
        for w, table in zip(writes, written):
            self.assertEqual(w["mode"], "append")
            self.assertNotIn("partitionOverwriteMode", w["options"])
            self.assertEqual(w["partition_by"], table.partition_key_names)
            self.assertEqual(w["options"].get("compression"), "zstd")

    def test_only_the_partitions_of_the_batch_are_written(self):
        h = typical(Harness())
        h.put_partition(LAKE + "silver/events/event_date=2025-11-18/event_hour=23/", [{"event_date": "2025-11-18", "event_hour": 23}])
        h.run()
        by_path = {w["path"]: w for w in h.lake_writes()}
        silver = by_path[LAKE + "silver/events/"]
        self.assertEqual(silver["partition_by"], ["event_date", "event_hour"])
        self.assertEqual(silver["partitions"], [("2025-11-19", "17"), ("2025-11-19", "18")])
        bronze = by_path[LAKE + "bronze/events/"]
        self.assertEqual(bronze["partition_by"], ["year", "month", "day", "hour"])
        self.assertEqual(bronze["partitions"], [("2025", "11", "19", "17")])
        gold = {w["path"][len(LAKE + "gold/"):]: w["partitions"] for w in h.lake_writes() if "/gold/" in w["path"]}
        self.assertEqual(gold, {
            "hourly_event_counts/": [("2025-11-19", "17")], "daily_distinct_ids/": [("2025-11-19",)],
            "product_funnel/": [("2025-11-19",)], "hourly_revenue/": [("2025-11-19",)], "product_views/": [("2025-11-19",)],
            "category_daily/": [("2025-11-19",)], "user_activity/": [("2025-11-19",)],
        })

    def test_padded_path_partitions_are_written_padded_whatever_the_sql_returns(self):
        h = typical(Harness())
        h.spark.view_rows["bronze"] = [{"year": 2025, "month": 3, "day": 7, "hour": 5}]
        h.run()
        bronze = [w for w in h.lake_writes() if w["path"] == LAKE + "bronze/events/"][0]
        self.assertEqual(bronze["partitions"], [("2025", "03", "07", "05")])

    def test_a_table_without_rows_in_the_batch_is_not_touched(self):
        h = typical(Harness())
        h.spark.view_rows["quarantine"] = []
        summary = h.run()
        self.assertNotIn(LAKE + "quarantine/events/", [w["path"] for w in h.lake_writes()])
        self.assertFalse(any(e["table"] == "quarantine.events" for _, doc in h.journal_saves() for e in doc["writes"]))
        self.assertIn({"event": "write_skipped", "table": "quarantine.events", "reason": "no rows in this batch"},
                      [json.loads(line) for line in h.lines if line.startswith("{")])
        self.assertEqual(summary["partitions_rewritten"]["quarantine.events"], 0)
        self.assertEqual(summary["partitions_rewritten"]["silver.events"], 2)

    def test_write_columns_follow_tables_json_order(self):
        h = typical(Harness())
        h.run()
        tables = lake_layout.load_tables(json.loads(harness.tables_json()))
        silver = tables["silver.events"]
        projections = [e["exprs"] for e in h.recorder.of("selectExpr") if e["label"] == "sql:silver" and len(e["exprs"]) > 2]
        self.assertTrue(projections, "silver was never projected before writing")
        aliases = [fake_alias(x) for x in projections[0]]
        self.assertEqual(aliases, [c["name"] for c in silver.all_columns()])


def fake_alias(expr):
    import fake_glue

    return fake_glue.split_alias(expr)[1]


QUARANTINE_HOUR = LAKE + "quarantine/events/year=2025/month=11/day=19/hour=17/"
BRONZE_HOUR = LAKE + "bronze/events/year=2025/month=11/day=19/hour=17/"
SILVER_ROW_17 = {"event_date": "2025-11-19", "event_hour": 17}
SILVER_ROW_18 = {"event_date": "2025-11-19", "event_hour": 18}


def silver_folder(day, hour):
    return LAKE + "silver/events/event_date=2025-11-%02d/event_hour=%d/" % (day, hour)


def table_of_path(path):
    tables = lake_layout.load_tables(json.loads(harness.tables_json()))
    return [t.id for t in tables.values() if LAKE + t.location + "/" == path][0]


def logged(h, event):
    return [json.loads(line) for line in h.lines if '"event": "%s"' % event in line]


def reprocessing(h, silver_rows=(SILVER_ROW_17,)):
    """The batch's file is already in the lake (a crashed run being completed): bronze and
    quarantine rewrite its source hour, silver the given event hours."""
    h.spark.view_rows["files_in_lake"] = [dict(PATH_KEYS)]
    h.spark.view_rows["silver_rewritten_partitions"] = [dict(r) for r in silver_rows]
    return h


def recorded(h, table):
    """The partitions the journal recorded for the table's write: folder -> {action, files}."""
    for _, doc in reversed(h.journal_saves()):
        entries = [e for e in doc["writes"] if e["table"] == table]
        if entries:
            return entries[-1]["partitions"]
    raise AssertionError("no journal entry for %s" % table)


def written_files(h, table_path, folder):
    """The files the write to table_path put in the partition folder."""
    (write,) = [w for w in h.lake_writes() if w["path"] == table_path]
    return [f for f in write["files"] if f.startswith(folder)]


def lake_deletions(h, events=None):
    """Lake files (not journal objects) deleted, in order."""
    return [u for u in h.deleted(events) if not u.startswith(harness.JOURNAL)]


class MergeReads(unittest.TestCase):
    """A read lists the partitions' files itself and reads exactly that list."""

    def silver_reads(self, h):
        return [r for r in h.recorder.of("read_parquet") if any("silver/events" in p for p in r["paths"])]

    def test_a_read_reads_exactly_the_files_of_the_touched_partitions_that_exist(self):
        h = typical(Harness())
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.put_partition(silver_folder(18, 23), [{"event_date": "2025-11-18", "event_hour": 23}])
        h.run()
        keys = self.silver_reads(h)[0]  # silver_keys: hours 17 and 18 of the batch; 18 does not exist yet
        self.assertEqual(keys["paths"], [old_17])
        self.assertEqual(keys["options"]["basePath"], LAKE + "silver/events/")
        self.assertTrue(keys["schema"].startswith("`event_ts` timestamp"))
        listed = [e["uri"] for e in h.recorder.of("list") if e["uri"].startswith(LAKE + "silver/")]
        self.assertIn(silver_folder(19, 18), listed)
        self.assertNotIn(silver_folder(18, 23), listed)

    def test_a_ranged_read_keeps_the_rows_within_the_views_range_by_literal_bounds(self):
        h = typical(Harness())
        h.spark.view_rows["silver_batch"] = [
            dict(SILVER_ROW_17, event_ts="2025-11-19 17:20:00"),
            dict(SILVER_ROW_17, event_ts="2025-11-19 17:40:00"),
            dict(SILVER_ROW_18, event_ts="2025-11-19 18:00:00"),
        ]
        inside = ["2025-11-19 17:20:00", "2025-11-19 17:30:00", "2025-11-19 18:00:00"]
        outside = ["2025-11-19 17:19:59.999", "2025-11-19 18:00:00.001"]
        h.put_partition(silver_folder(19, 17), [dict(SILVER_ROW_17, event_ts=t) for t in inside[:2] + outside[:1]])
        h.put_partition(silver_folder(19, 18), [dict(SILVER_ROW_18, event_ts=t) for t in inside[2:] + outside[1:]])
        h.run()
        kept = sorted(r["event_ts"] for r in h.spark.views["silver_keys"].rows)
        self.assertEqual(kept, inside)
        conditions = [e["condition"] for e in h.recorder.of("where") if "BETWEEN" in e["condition"]]
        self.assertEqual(conditions, ["`event_ts` BETWEEN CAST('2025-11-19 17:20:00' AS timestamp) AND CAST('2025-11-19 18:00:00' AS timestamp)"])

    def test_a_ranged_read_of_a_view_without_values_keeps_no_row(self):
        h = typical(Harness())  # silver_batch rows without event_ts
        h.put_partition(silver_folder(19, 17), [dict(SILVER_ROW_17, event_ts="2025-11-19 17:20:00")])
        h.run()
        self.assertEqual(h.spark.views["silver_keys"].rows, [])

    def test_path_partitioned_merges_read_the_source_hour_of_a_reprocessed_file(self):
        h = reprocessing(typical(Harness()))
        hour_17 = h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        h.put_partition(LAKE + "bronze/events/year=2025/month=11/day=19/hour=16/", [dict(PATH_KEYS, hour="16")])
        h.run()
        reads = [r for r in h.recorder.of("read_parquet") if any("bronze/events" in p for p in r["paths"])]
        self.assertEqual([r["paths"] for r in reads], [[hour_17]])

    def test_new_files_only_make_no_merge_read_of_bronze_or_quarantine(self):
        h = typical(Harness())  # files_in_lake is empty: every file of the batch is new
        h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        h.put_partition(QUARANTINE_HOUR, [dict(PATH_KEYS, reason="missing_field")])
        h.run()
        self.assertFalse(any("bronze/events" in p or "quarantine/events" in p for r in h.recorder.of("read_parquet") for p in r["paths"]))

    def test_markers_scratch_and_hidden_objects_are_not_read(self):
        h = typical(Harness())
        data = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        for name in ("_SUCCESS", ".part-0.crc", "_temporary/0/task.parquet"):
            h.put_partition(silver_folder(19, 17), [], name=name)
        h.run()
        self.assertEqual(self.silver_reads(h)[0]["paths"], [data])

    def test_a_read_after_a_replace_sees_the_new_files_not_the_superseded_ones(self):
        h = reprocessing(typical(Harness()))
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.run()
        reads = self.silver_reads(h)
        self.assertEqual(reads[0]["paths"], [old_17])  # silver_keys, before the write
        self.assertEqual(reads[1]["paths"], [old_17])  # silver_existing: hour 17 is rewritten
        new_17 = written_files(h, LAKE + "silver/events/", silver_folder(19, 17))
        hours = reads[2]  # silver_hours (the rewritten hour), after the write: old_17 is still in the lake until the commit
        self.assertEqual(hours["paths"], new_17)
        self.assertNotIn(old_17, hours["paths"])
        self.assertLess(h.recorder.index("read_parquet", paths=hours["paths"]), h.recorder.index("delete_uris", uris=[old_17]))

    def test_whole_days_of_an_hourly_table_are_read_by_day_without_superseded_hours(self):
        h = typical(Harness())
        folder = LAKE + "gold/hourly_event_counts/event_date=2025-11-19/"
        hour_5 = h.put_partition(folder + "event_hour=5/", [{"event_date": "2025-11-19", "event_hour": 5}])
        old_17 = h.put_partition(folder + "event_hour=17/", [SILVER_ROW_17])
        h.put_partition(LAKE + "gold/hourly_event_counts/event_date=2025-11-18/event_hour=5/", [{"event_date": "2025-11-18", "event_hour": 5}])
        h.run()
        held, day = [r for r in h.recorder.of("read_parquet") if any("gold/hourly_event_counts" in p for p in r["paths"])]
        self.assertEqual(held["paths"], [old_17])  # hour_event_counts: the changed hours' blocks, before the write
        new_17 = written_files(h, LAKE + "gold/hourly_event_counts/", folder)
        self.assertEqual(len(new_17), 1)
        self.assertEqual(sorted(day["paths"]), sorted([hour_5] + new_17))
        self.assertIn(("list", folder), [(k, d["uri"]) for k, d in h.recorder.events if k == "list"])
        self.assertNotIn(old_17, h.spark.lake_files)  # replaced (gold hourly tables are written in replace mode)

    def test_nothing_is_staged_outside_the_tables(self):
        h = reprocessing(typical(Harness()))
        h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        h.run()
        tables = lake_layout.load_tables(json.loads(harness.tables_json()))
        locations = {LAKE + t.location + "/" for t in tables.values()}
        self.assertEqual([w["path"] for w in h.writes() if w["path"] not in locations], [])
        self.assertFalse(any(u.startswith(TEMP) for u in h.spark.lake_files))

    def test_first_run_registers_empty_views_with_the_table_schema(self):
        h = typical(Harness())
        h.run()
        tables = lake_layout.load_tables(json.loads(harness.tables_json()))
        created = [e["schema"] for e in h.recorder.of("createDataFrame") if e["rows"] == 0]
        for table_id in ("bronze.events", "quarantine.events", "silver.events", "bronze.file_ledger"):
            self.assertIn(tables[table_id].ddl(), created)


class JournalledWrites(unittest.TestCase):
    """write_journal.py: every write only adds files, recorded first in the run's journal; the
    files it replaced are deleted once the run's last write is done."""

    def test_each_write_is_recorded_before_it_and_the_journal_committed_after_the_last(self):
        h = typical(Harness())
        h.run()
        saves = h.journal_saves()
        writes = h.lake_writes()
        for write in writes:
            table = table_of_path(write["path"])
            at = h.recorder.events.index(("write", write))
            first = min(i for i, doc in saves if any(e["table"] == table for e in doc["writes"]))
            self.assertLess(first, at, table)
            entry = [e for e in saves[-1][1]["writes"] if e["table"] == table][0]
            self.assertEqual(entry["root"], write["path"])
        last_write = h.recorder.events.index(("write", writes[-1]))
        self.assertEqual([doc["committed"] for _, doc in saves], [False] * len(writes) + [True])
        self.assertGreater(saves[-1][0], last_write)
        self.assertEqual([e["table"] for e in saves[-1][1]["writes"]], [table_of_path(w["path"]) for w in writes])

    def test_an_appended_partition_gets_a_new_file_and_keeps_its_old_ones(self):
        h = typical(Harness())  # a new file: bronze, quarantine and silver are appended to
        old_bronze = h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.run()
        self.assertEqual(recorded(h, "bronze.events"), {BRONZE_HOUR: {"action": "append", "files": [old_bronze]}})
        self.assertEqual(recorded(h, "silver.events"), {silver_folder(19, 17): {"action": "append", "files": [old_17]},
                                                        silver_folder(19, 18): {"action": "append", "files": []}})
        new_bronze = written_files(h, LAKE + "bronze/events/", BRONZE_HOUR)
        self.assertEqual(len(new_bronze), 1)
        self.assertEqual(h.spark.files_in(BRONZE_HOUR), sorted([old_bronze] + new_bronze))
        self.assertEqual(sorted(h.spark.files_in(silver_folder(19, 17))), sorted([old_17] + written_files(h, LAKE + "silver/events/", silver_folder(19, 17))))
        self.assertEqual(lake_deletions(h), [])  # nothing was replaced anywhere

    def test_a_partition_the_replacing_read_loaded_is_replaced_the_others_appended(self):
        h = reprocessing(typical(Harness()))
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        old_18 = h.put_partition(silver_folder(19, 18), [SILVER_ROW_18])
        summary = h.run()
        self.assertEqual(recorded(h, "silver.events"), {silver_folder(19, 17): {"action": "replace", "files": [old_17]},
                                                        silver_folder(19, 18): {"action": "append", "files": [old_18]}})
        self.assertEqual(h.spark.files_in(silver_folder(19, 17)), written_files(h, LAKE + "silver/events/", silver_folder(19, 17)))
        self.assertEqual(sorted(h.spark.files_in(silver_folder(19, 18))), sorted([old_18] + written_files(h, LAKE + "silver/events/", silver_folder(19, 18))))
        self.assertEqual(lake_deletions(h), [old_17])
        self.assertEqual(summary["partitions_rewritten"]["silver.events"], 2)

    def test_nothing_is_deleted_before_the_last_write_and_the_commit_mark(self):
        h = reprocessing(typical(Harness()))
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        old_bronze = h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        h.run()
        deletions = [i for i, (k, d) in enumerate(h.recorder.events) if k == "delete_uris" and any(not u.startswith(harness.JOURNAL) for u in d["uris"])]
        self.assertEqual(sorted(lake_deletions(h)), sorted([old_17, old_bronze]))
        last_write = max(i for i, (k, _) in enumerate(h.recorder.events) if k == "write")
        commit_mark = [i for i, doc in h.journal_saves() if doc["committed"]][0]
        self.assertLess(last_write, commit_mark)
        self.assertLess(commit_mark, min(deletions))
        self.assertLess(max(deletions), h.kinds().index("job.commit"))
        self.assertLess(max(deletions), min(i for i, (k, d) in enumerate(h.recorder.events) if k == "put_metric_data"))

    def test_a_finished_run_leaves_no_journal(self):
        h = reprocessing(typical(Harness()))
        h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.run()
        self.assertTrue(h.journal_saves())
        self.assertEqual(h.journal_objects(), {})

    def test_a_run_that_writes_nothing_saves_no_journal(self):
        h = Harness()
        h.run()
        self.assertEqual(h.journal_saves(), [])

    def test_a_failed_late_write_deletes_nothing_and_leaves_an_uncommitted_journal_of_every_write(self):
        h = reprocessing(typical(Harness()))
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.spark.fail_write_prefixes.append(LAKE + "gold/user_activity/")
        with self.assertRaisesRegex(RuntimeError, "injected write failure"):
            h.run()
        self.assertEqual(h.deleted(), [])
        self.assertIn(old_17, h.spark.lake_files)
        (doc,) = h.journal_objects().values()
        self.assertFalse(doc["committed"])
        steps = [s for s in harness.manifest()["steps"] if s.get("writes")]
        self.assertEqual([e["table"] for e in doc["writes"]], [s["writes"] for s in steps])
        self.assertNotIn("job.commit", h.kinds())

    def test_the_next_run_rolls_the_dead_run_back_before_reading(self):
        h = reprocessing(typical(Harness()))
        h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        before = set(h.spark.lake_files)
        h.spark.fail_write_prefixes.append(LAKE + "gold/user_activity/")
        h.spark.partitions_landed_before_failure = 1
        with self.assertRaises(RuntimeError):
            h.run()
        left = set(h.spark.lake_files)
        scratch = LAKE + "gold/user_activity/_temporary/0/task-00000.parquet"
        self.assertIn(scratch, left)
        self.assertGreater(len(left - before), 9)  # a file per partition of every write, the failed one's landed file too
        h.spark.fail_write_prefixes.clear()
        dead_journal = list(h.journal_objects())
        mark = len(h.recorder.events)
        h.run()
        second = h.since(mark)
        recovery = second[:[k for k, _ in second].index("from_options")]
        self.assertEqual(sorted(h.deleted(recovery)), sorted((left - before - {scratch}) | set(dead_journal)))
        self.assertIn(("delete_prefix", LAKE + "gold/user_activity/_temporary/"), [(k, d.get("uri")) for k, d in recovery])
        actions = {(e["table"], e["action"]) for e in logged(h, "interrupted_write_repaired")}
        self.assertEqual(actions, {(s["writes"], "rolled_back") for s in harness.manifest()["steps"] if s.get("writes")})
        self.assertEqual(h.journal_objects(), {})
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_rolling_back_a_dead_run_restores_exactly_the_files_before_it(self):
        h = reprocessing(typical(Harness()))
        h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])  # replaced by the run
        h.put_partition(silver_folder(19, 18), [SILVER_ROW_18])  # appended to
        h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])  # replaced
        h.put_partition(LAKE + "gold/product_funnel/event_date=2025-11-19/", [{"event_date": "2025-11-19"}])  # replaced
        before = {uri: list(rows) for uri, rows in h.spark.lake_files.items()}
        h.spark.fail_write_prefixes.append(LAKE + "gold/user_activity/")
        h.spark.partitions_landed_before_failure = 1
        with self.assertRaises(RuntimeError):
            h.run()
        self.assertEqual(write_journal.WriteJournal(h.storage, LAKE, "next", h.lines.append).recover(),
                         [s["writes"] for s in harness.manifest()["steps"] if s.get("writes")])
        self.assertEqual(h.spark.lake_files, before)
        self.assertEqual(h.journal_objects(), {})

    def test_a_run_that_died_during_its_commit_is_rolled_forward(self):
        h = reprocessing(typical(Harness()))
        old_17 = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        old_18 = h.put_partition(silver_folder(19, 18), [SILVER_ROW_18])
        h.storage.fail_delete_under = silver_folder(19, 17)
        with self.assertRaisesRegex(IOError, "injected delete failure"):
            h.run()
        (doc,) = h.journal_objects().values()
        self.assertTrue(doc["committed"])
        self.assertEqual(len(h.spark.files_in(silver_folder(19, 17))), 2)  # new and old side by side
        self.assertNotIn("job.commit", h.kinds())
        new_17 = written_files(h, LAKE + "silver/events/", silver_folder(19, 17))
        h.storage.fail_delete_under = None
        dead_journal = list(h.journal_objects())
        mark = len(h.recorder.events)
        h.run()
        second = h.since(mark)
        recovery = second[:[k for k, _ in second].index("from_options")]
        self.assertEqual(lake_deletions(h, recovery), [old_17])
        self.assertEqual(h.deleted(recovery)[-1:], dead_journal)
        self.assertIn(("silver.events", "rolled_forward"), [(e["table"], e["action"]) for e in logged(h, "interrupted_write_repaired")])
        self.assertEqual({e["action"] for e in logged(h, "interrupted_write_repaired")}, {"rolled_forward"})
        self.assertNotIn(new_17[0], h.deleted(recovery))  # the dead run's content is final
        self.assertIn(old_18, h.spark.lake_files)
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_a_run_with_no_journal_repairs_nothing(self):
        h = typical(Harness())
        h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        h.run()
        before_reading = h.recorder.events[:h.recorder.index("from_options")]
        self.assertEqual(h.deleted(before_reading), [])
        self.assertIn(("list", harness.JOURNAL), [(k, d.get("uri")) for k, d in before_reading])
        self.assertEqual(logged(h, "interrupted_write_repaired"), [])


class JournalRecovery(unittest.TestCase):
    """WriteJournal.recover on journals that dead runs left, without a run around it."""

    def setUp(self):
        self.h = Harness()
        self.journal = write_journal.WriteJournal(self.h.storage, LAKE, "20251119T180005-cafe0001", self.h.lines.append)
        h = self.h
        self.old_silver = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        self.new_silver = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17], name="part-new.parquet")
        self.old_bronze = h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        self.new_bronze = h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)], name="part-new.parquet")
        self.new_hour = h.put_partition(silver_folder(19, 18), [SILVER_ROW_18], name="part-new.parquet")
        self.untouched = h.put_partition(silver_folder(19, 16), [{"event_date": "2025-11-19", "event_hour": 16}])
        self.scratch = h.put_partition(LAKE + "silver/events/_temporary/0/", [], name="task.parquet")
        self.writes = [
            {"table": "bronze.events", "root": LAKE + "bronze/events/",
             "partitions": {BRONZE_HOUR: {"action": "append", "files": [self.old_bronze]}}},
            {"table": "silver.events", "root": LAKE + "silver/events/",
             "partitions": {silver_folder(19, 17): {"action": "replace", "files": [self.old_silver]},
                            silver_folder(19, 18): {"action": "append", "files": []}}},
        ]

    def leave(self, run_id, doc):
        uri = harness.JOURNAL + run_id + ".json"
        self.h.storage.texts[uri] = json.dumps(doc)
        return uri

    def test_an_uncommitted_journal_is_rolled_back_to_exactly_the_recorded_files(self):
        h = self.h
        uri = self.leave("20251118T000000-aaaa0001", {"committed": False, "writes": self.writes})
        self.assertEqual(self.journal.recover(), ["bronze.events", "silver.events"])
        self.assertEqual(sorted(h.spark.lake_files), sorted([self.old_silver, self.old_bronze, self.untouched]))
        self.assertEqual(h.deleted(), [self.new_bronze, self.new_silver, self.new_hour, uri])
        self.assertEqual([(e["table"], e["action"]) for e in logged(h, "interrupted_write_repaired")],
                         [("bronze.events", "rolled_back"), ("silver.events", "rolled_back")])
        self.assertEqual(h.journal_objects(), {})

    def test_a_committed_journal_is_rolled_forward_deleting_exactly_the_replaced_files(self):
        h = self.h
        uri = self.leave("20251118T000000-aaaa0001", {"committed": True, "writes": self.writes})
        self.assertEqual(self.journal.recover(), ["bronze.events", "silver.events"])
        self.assertEqual(h.deleted(), [self.old_silver, uri])
        self.assertEqual(sorted(h.spark.lake_files), sorted([self.old_bronze, self.new_bronze, self.new_silver, self.new_hour, self.untouched, self.scratch]))
        self.assertEqual({e["action"] for e in logged(h, "interrupted_write_repaired")}, {"rolled_forward"})

    def test_a_partition_written_twice_by_the_dead_run_is_rolled_back_to_its_first_list(self):
        h = self.h
        second = {"table": "silver.events", "root": LAKE + "silver/events/",
                  "partitions": {silver_folder(19, 17): {"action": "replace", "files": [self.new_silver, self.old_silver]}}}
        later = h.put_partition(silver_folder(19, 17), [SILVER_ROW_17], name="part-later.parquet")
        self.leave("20251118T000000-aaaa0001", {"committed": False, "writes": self.writes + [second]})
        self.journal.recover()
        self.assertEqual(h.spark.files_in(silver_folder(19, 17)), [self.old_silver])
        self.assertNotIn(later, h.spark.lake_files)

    def test_every_dead_journal_is_repaired_in_order_then_removed(self):
        h = self.h
        first = self.leave("20251118T000000-aaaa0001", {"committed": True, "writes": self.writes[1:]})
        second = self.leave("20251118T010000-bbbb0002", {"committed": False, "writes": self.writes[:1]})
        self.assertEqual(self.journal.recover(), ["silver.events", "bronze.events"])
        self.assertEqual(h.deleted(), [self.old_silver, first, self.new_bronze, second])
        self.assertEqual(h.journal_objects(), {})

    def test_rolling_forward_again_after_a_partial_deletion_is_no_error(self):
        h = self.h
        gone = silver_folder(19, 17) + "part-already-deleted.parquet"
        self.leave("20251118T000000-aaaa0001", {"committed": True, "writes": [
            {"table": "silver.events", "root": LAKE + "silver/events/",
             "partitions": {silver_folder(19, 17): {"action": "replace", "files": [gone, self.old_silver]}}}]})
        self.assertEqual(self.journal.recover(), ["silver.events"])
        self.assertEqual(h.spark.files_in(silver_folder(19, 17)), [self.new_silver])

    def test_a_journal_of_the_earlier_per_table_layout_is_still_repaired(self):
        h = self.h
        # What a run of the previous version that died mid-run left: per table, "written" (new
        # files complete, old ones to delete) or "writing" (new files partial).
        self.leave("20251118T000000-aaaa0001", {
            "silver.events": {"state": "written", "root": LAKE + "silver/events/", "old": {silver_folder(19, 17): [self.old_silver]}},
            "bronze.events": {"state": "writing", "root": LAKE + "bronze/events/", "old": {BRONZE_HOUR: [self.old_bronze]}},
        })
        self.assertEqual(self.journal.recover(), ["bronze.events", "silver.events"])
        self.assertEqual(h.spark.files_in(BRONZE_HOUR), [self.old_bronze])
        self.assertEqual(h.spark.files_in(silver_folder(19, 17)), [self.new_silver])
        self.assertEqual([(e["table"], e["action"]) for e in logged(h, "interrupted_write_repaired")],
                         [("bronze.events", "rolled_back"), ("silver.events", "rolled_forward")])

    def test_objects_beside_the_journals_are_not_taken_for_journals(self):
        h = self.h
        h.storage.texts[harness.JOURNAL + "README.txt"] = "not a journal"
        self.assertEqual(self.journal.recover(), [])
        self.assertIn(harness.JOURNAL + "README.txt", h.storage.texts)


class EmptiedPartitions(unittest.TestCase):
    """manifest.ts: a partition the write's read loaded (replace: the latest earlier read of the
    table; append: the read named by `replacing`) that has no row in the result is deleted,
    through the journal like any replaced partition."""

    def test_a_fixed_corrupt_file_takes_its_quarantine_partition_with_it(self):
        h = reprocessing(typical(Harness()))
        # The earlier run quarantined the file as corrupt; now fixed, its lines are all valid.
        emptied = h.put_partition(QUARANTINE_HOUR, [dict(PATH_KEYS, reason="corrupt_file")])
        other = h.put_partition(LAKE + "quarantine/events/year=2025/month=11/day=19/hour=16/",
                                [dict(PATH_KEYS, hour="16", reason="missing_field")])
        bronze_old = h.put_partition(BRONZE_HOUR, [dict(PATH_KEYS)])
        h.spark.view_rows["quarantine"] = []
        summary = h.run()
        self.assertEqual(h.spark.files_in(QUARANTINE_HOUR), [])
        self.assertIn(emptied, h.deleted())
        self.assertIn(other, h.spark.lake_files)  # not read by this batch: untouched
        self.assertNotIn(other, h.deleted())
        self.assertEqual(len(h.spark.files_in(BRONZE_HOUR)), 1)  # replaced, still there
        self.assertNotIn(bronze_old, h.spark.lake_files)
        self.assertEqual(logged(h, "partition_emptied"), [{"event": "partition_emptied", "table": "quarantine.events", "partition": QUARANTINE_HOUR}])
        self.assertEqual(summary["partitions_rewritten"]["quarantine.events"], 1)
        self.assertNotIn(LAKE + "quarantine/events/", [w["path"] for w in h.lake_writes()])
        self.assertEqual(recorded(h, "quarantine.events"), {QUARANTINE_HOUR: {"action": "replace", "files": [emptied]}})
        self.assertLess(h.recorder.index("delete_uris", uris=[emptied]), h.kinds().index("job.commit"))

    def test_a_partition_still_in_the_result_is_rewritten_not_deleted(self):
        h = reprocessing(typical(Harness()))
        h.put_partition(QUARANTINE_HOUR, [dict(PATH_KEYS, reason="corrupt_file")])
        h.put_partition(silver_folder(19, 17), [SILVER_ROW_17])
        summary = h.run()
        self.assertEqual(logged(h, "partition_emptied"), [])
        self.assertEqual(len(h.spark.files_in(QUARANTINE_HOUR)), 1)
        self.assertEqual(len(h.spark.files_in(silver_folder(19, 17))), 1)
        self.assertEqual(summary["partitions_rewritten"]["quarantine.events"], 1)
        self.assertEqual(summary["partitions_rewritten"]["silver.events"], 2)

    def test_hour_1_is_emptied_without_its_prefix_sibling_hour_10(self):
        h = reprocessing(typical(Harness()), silver_rows=[{"event_date": "2025-11-19", "event_hour": 1}])
        h.spark.view_rows["silver_batch"] = [{"event_date": "2025-11-19", "event_hour": 1}]
        h.spark.view_rows["silver"] = [{"event_date": "2025-11-19", "event_hour": 2}]
        hour_1 = h.put_partition(silver_folder(19, 1), [{"event_date": "2025-11-19", "event_hour": 1}])
        hour_10 = h.put_partition(silver_folder(19, 10), [{"event_date": "2025-11-19", "event_hour": 10}])
        summary = h.run()
        self.assertEqual(recorded(h, "silver.events"), {silver_folder(19, 1): {"action": "replace", "files": [hour_1]},
                                                        silver_folder(19, 2): {"action": "append", "files": []}})
        self.assertIn(hour_1, h.deleted())
        self.assertNotIn(hour_10, h.deleted())
        self.assertEqual(h.spark.files_in(silver_folder(19, 1)), [])
        self.assertEqual(h.spark.files_in(silver_folder(19, 10)), [hour_10])
        self.assertEqual(len(h.spark.files_in(silver_folder(19, 2))), 1)
        self.assertEqual(summary["partitions_rewritten"]["silver.events"], 2)  # hour 2 written, hour 1 emptied
        self.assertEqual([e["partition"] for e in logged(h, "partition_emptied")], [silver_folder(19, 1)])

    def test_an_append_empties_only_what_its_replacing_read_loaded(self):
        h = typical(Harness())
        # silver_keys (a read of silver, later than nothing else) loads hour 5; silver_existing,
        # the read the append replaces, loads nothing: hour 5 keeps its rows.
        h.spark.view_rows["silver_batch"] = SILVER_TOUCHED + [{"event_date": "2025-11-19", "event_hour": 5}]
        hour_5 = h.put_partition(silver_folder(19, 5), [{"event_date": "2025-11-19", "event_hour": 5}])
        h.run()
        self.assertEqual(h.spark.files_in(silver_folder(19, 5)), [hour_5])
        self.assertNotIn(silver_folder(19, 5), recorded(h, "silver.events"))
        self.assertEqual(logged(h, "partition_emptied"), [])

    def test_an_append_replaces_what_its_replacing_read_loaded_even_when_a_later_read_loaded_less(self):
        h = typical(Harness())
        changed = harness.manifest()
        for step in changed["steps"]:
            if step["name"] == "silver":
                step["replacing"] = "silver_keys"  # silver_existing, read later, loads nothing
            if step["name"] == "silver_keys":
                step["read"].pop("rangeOf")  # a read a write replaces must hold every row
        h.storage.texts[ETL + "manifest.json"] = json.dumps(changed)
        h.spark.view_rows["silver_batch"] = SILVER_TOUCHED + [{"event_date": "2025-11-19", "event_hour": 5}]
        hour_5 = h.put_partition(silver_folder(19, 5), [{"event_date": "2025-11-19", "event_hour": 5}])
        h.run()
        self.assertEqual(recorded(h, "silver.events")[silver_folder(19, 5)], {"action": "replace", "files": [hour_5]})
        self.assertEqual(h.spark.files_in(silver_folder(19, 5)), [])
        self.assertEqual([e["partition"] for e in logged(h, "partition_emptied")], [silver_folder(19, 5)])

    def test_a_replace_empties_what_the_latest_read_of_the_table_loaded(self):
        h = typical(Harness())
        # The ledger is written in replace mode after file_ledger_existing read the batch's hours.
        h.spark.view_rows["batch_partitions"] = [dict(PATH_KEYS), dict(PATH_KEYS, hour="16")]
        hour_16 = LAKE + "bronze/file_ledger/year=2025/month=11/day=19/hour=16/"
        ledger_16 = h.put_partition(hour_16, [dict(PATH_KEYS, hour="16")])
        h.run()
        self.assertEqual(recorded(h, "bronze.file_ledger")[hour_16], {"action": "replace", "files": [ledger_16]})
        self.assertEqual(h.spark.files_in(hour_16), [])
        self.assertEqual([e["partition"] for e in logged(h, "partition_emptied")], [hour_16])

    def test_a_read_by_leading_keys_empties_single_partitions_never_the_whole_prefix(self):
        h = reprocessing(typical(Harness()))
        changed = harness.manifest()
        for step in changed["steps"]:
            if step["name"] == "silver_existing":
                step["read"]["keys"] = ["event_date"]
        h.storage.texts[ETL + "manifest.json"] = json.dumps(changed)
        files = {}
        for day, hour in ((19, 5), (19, 17), (18, 23)):
            files[(day, hour)] = h.put_partition(silver_folder(day, hour), [{"event_date": "2025-11-%02d" % day, "event_hour": hour}])
        h.run()  # the result has hours 17 and 18 of the 19th
        self.assertEqual({p: e["action"] for p, e in recorded(h, "silver.events").items()},
                         {silver_folder(19, 5): "replace", silver_folder(19, 17): "replace", silver_folder(19, 18): "append"})
        self.assertEqual([e["partition"] for e in logged(h, "partition_emptied")], [silver_folder(19, 5)])
        self.assertEqual(h.spark.files_in(silver_folder(19, 5)), [])
        self.assertEqual(len(h.spark.files_in(silver_folder(19, 17))), 1)
        self.assertEqual(h.spark.files_in(silver_folder(18, 23)), [files[(18, 23)]])

    def test_a_read_with_no_later_write_deletes_nothing(self):
        h = typical(Harness())
        # day_event_counts reads the whole day of gold.hourly_event_counts after it was written; no
        # step writes it again. Hour 5 is not a changed hour, so only that read loads it.
        folder = LAKE + "gold/hourly_event_counts/event_date=2025-11-19/event_hour=5/"
        hour_5 = h.put_partition(folder, [{"event_date": "2025-11-19", "event_hour": 5}])
        h.run()
        self.assertEqual(sum(r["paths"].count(hour_5) for r in h.recorder.of("read_parquet")), 1)
        self.assertNotIn(hour_5, h.deleted())
        self.assertEqual(h.spark.files_in(folder), [hour_5])


class CommitDiscipline(unittest.TestCase):
    def test_init_first_commit_last_after_every_write(self):
        h = typical(Harness())
        h.run()
        kinds = h.kinds()
        self.assertEqual(kinds[0], "job.init")
        self.assertEqual(kinds[-1], "job.commit")
        self.assertEqual(kinds.count("job.commit"), 1)
        self.assertLess(max(i for i, k in enumerate(kinds) if k == "write"), kinds.index("job.commit"))
        self.assertEqual(h.recorder.of("job.init")[0]["name"], "lakehouse-etl-s1")

    def test_a_failing_write_means_no_commit_and_no_later_write(self):
        h = typical(Harness())
        h.spark.fail_write_prefixes.append(LAKE + "silver/")
        with self.assertRaisesRegex(RuntimeError, "injected write failure"):
            h.run()
        self.assertNotIn("job.commit", h.kinds())
        self.assertFalse(any("/gold/" in w["path"] for w in h.writes()))
        self.assertEqual(h.recorder.of("put_metric_data"), [])

    def test_a_failing_gold_write_also_blocks_the_commit(self):
        h = typical(Harness())
        h.spark.fail_write_prefixes.append(LAKE + "gold/user_activity/")
        with self.assertRaises(RuntimeError):
            h.run()
        self.assertNotIn("job.commit", h.kinds())

    def test_without_cloudwatch_no_metrics_are_sent_and_the_run_commits(self):
        h = typical(Harness())
        h.cloudwatch = None
        h.run()
        self.assertEqual(h.recorder.of("put_metric_data"), [])
        self.assertEqual(len([line for line in h.lines if '"lakehouse_etl_run"' in line]), 1)
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_metrics_outage_does_not_block_the_commit(self):
        h = typical(Harness())
        h.cloudwatch.fail = RuntimeError("throttled")
        h.run()
        self.assertEqual(h.kinds()[-1], "job.commit")
        self.assertTrue(any('"metrics_not_sent"' in line for line in h.lines))


class EmptyBatch(unittest.TestCase):
    def test_no_new_files_exits_cleanly_and_still_commits(self):
        h = Harness()
        summary = h.run()
        self.assertTrue(summary["empty_batch"])
        self.assertEqual(h.recorder.of("sql"), [])
        self.assertEqual(h.writes(), [])
        self.assertEqual(h.recorder.of("read_binary"), [])
        self.assertEqual(h.kinds()[-1], "job.commit")
        logged = json.loads(h.lines[-1])
        self.assertEqual(logged["files_read"], 0)
        sent = {d["MetricName"]: d["Value"] for d in h.recorder.of("put_metric_data")[0]["data"]}
        self.assertEqual(sent["FilesRead"], 0)
        self.assertEqual(sent["LinesRead"], 0)


class Arguments(unittest.TestCase):
    CONTRACT = ["JOB_NAME", "source_path", "lake_path", "etl_path", "bronze_database", "silver_database",
                "gold_database", "metrics_namespace", "TempDir"]

    def test_reads_exactly_the_contract_arguments(self):
        asked = []

        def resolver(args, names):
            asked.extend(names)
            import fake_glue

            return fake_glue.fake_get_resolved_options(args, names)

        resolved = job_args.resolve_args(argv(), resolver)
        self.assertEqual(sorted(asked), sorted(self.CONTRACT))
        self.assertEqual(resolved["source_path"], SOURCE)
        self.assertIsNone(resolved["backfill"])

    def test_missing_argument_fails_naming_it_before_job_init(self):
        h = typical(Harness())
        with self.assertRaises(job_args.ArgumentError) as caught:
            h.run(argv(lake_path=None, etl_path=None))
        message = str(caught.exception)
        self.assertIn("--lake_path", message)
        self.assertIn("--etl_path", message)
        self.assertNotIn("--source_path", message)
        self.assertEqual(h.recorder.events, [])

    def test_non_s3_path_is_refused(self):
        with self.assertRaisesRegex(job_args.ArgumentError, "--source_path"):
            Harness().run(argv(source_path="/tmp/events"))

    def test_paths_get_a_trailing_slash(self):
        import fake_glue

        resolved = job_args.resolve_args(argv(lake_path="s3://b"), fake_glue.fake_get_resolved_options)
        self.assertEqual(resolved["lake_path"], "s3://b/")

    def test_read_bounds_default_to_the_local_engine_bounds(self):
        import fake_glue

        resolved = job_args.resolve_args(argv(), fake_glue.fake_get_resolved_options)
        self.assertEqual((resolved["max_line_bytes"], resolved["max_file_bytes"]), (1024 * 1024, 4 * 1024 * 1024 * 1024))

    def test_read_bounds_are_taken_as_positive_integers(self):
        import fake_glue

        resolved = job_args.resolve_args(argv(max_line_bytes="2048", max_file_bytes="1000000"), fake_glue.fake_get_resolved_options)
        self.assertEqual((resolved["max_line_bytes"], resolved["max_file_bytes"]), (2048, 1000000))

    def test_a_bad_read_bound_fails_naming_it_before_job_init(self):
        for name in ("max_line_bytes", "max_file_bytes"):
            for value in ("0", "-5", "1.5", "1MiB", ""):
                h = typical(Harness())
                with self.assertRaisesRegex(job_args.ArgumentError, "--%s: expected .*positive integer.*got '%s'" % (name, value)):
                    h.run(argv(**{name: value}))
                self.assertEqual(h.recorder.of("job.init"), [], (name, value))

    def test_a_read_bound_that_is_a_digit_but_no_number_is_refused_naming_it(self):
        # str.isdigit() holds for '²', which int() then refuses with a bare ValueError.
        with self.assertRaisesRegex(job_args.ArgumentError, "--max_line_bytes: expected"):
            Harness().run(argv(max_line_bytes="\u00b2"))

    def test_read_bounds_reach_the_line_reader(self):
        h = typical(Harness())
        h.add_source(source_uri(19, 17, 58, "events-20251119-175800.jsonl.gz"), gz(["x" * 20, "short"]))
        h.run(argv(max_line_bytes="10"))
        lines = [(r["line"], r["line_problem"]) for r in h.spark.table("batch_lines").collect()
                 if r["source_file"].endswith("175800.jsonl.gz")]
        self.assertEqual(lines, [(base64.b64encode(b"x" * 10).decode("ascii"), "line_too_long"), ("short", None)])

    def test_local_schemes_are_accepted_only_when_the_caller_allows_them(self):
        import fake_glue

        local = argv(source_path="file:///data/events/", lake_path="file:///data/lake", etl_path="file:///data/etl/",
                     TempDir="file:///tmp/glue-temp/")
        with self.assertRaisesRegex(job_args.ArgumentError, "--source_path"):
            job_args.resolve_args(local, fake_glue.fake_get_resolved_options)
        resolved = job_args.resolve_args(local, fake_glue.fake_get_resolved_options, ("file://",))
        self.assertEqual(resolved["lake_path"], "file:///data/lake/")
        with self.assertRaisesRegex(job_args.ArgumentError, "--source_path"):
            job_args.resolve_args(argv(), fake_glue.fake_get_resolved_options, ("file://",))

    def test_backfill_needs_both_days(self):
        with self.assertRaisesRegex(job_args.ArgumentError, "--backfill_to"):
            Harness().run(argv(backfill_from="2025-11-18"))


class SourceFiles(unittest.TestCase):
    def test_bookmarked_read_is_s3_recursive_with_a_transformation_ctx(self):
        h = typical(Harness())
        h.run()
        call = h.recorder.of("from_options")[0]
        self.assertEqual(call["connection_type"], "s3")
        self.assertEqual(call["connection_options"]["paths"], [SOURCE])
        self.assertIs(call["connection_options"]["recurse"], True)
        self.assertEqual(call["transformation_ctx"], "source")

    def test_exactly_the_bookmarked_files_are_read_as_bytes(self):
        h = typical(Harness())
        old = source_uri(19, 17, 50, "events-20251119-175000.jsonl.gz")
        h.add_source(old, gz(["{}"]), new=False)
        h.run()
        self.assertEqual(h.recorder.of("read_binary")[0]["paths"], [source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz")])

    def test_corrupt_and_truncated_files_become_batch_file_rows_with_a_read_error(self):
        h = typical(Harness())
        with open(harness.FIXTURE, "rb") as fh:
            good = fh.read()
        corrupt = source_uri(19, 17, 56, "events-20251119-175600.jsonl.gz")
        truncated = source_uri(19, 17, 57, "events-20251119-175700.jsonl.gz")
        h.add_source(corrupt, b"this is not gzip at all")
        h.add_source(truncated, good[: len(good) // 2])
        summary = h.run()
        files = {r["source_file"]: r for r in h.spark.table("batch_files").collect()}
        self.assertEqual(len(files), 3)
        key = lambda uri: uri[len("s3://capstone-events-s1-123/"):]  # noqa: E731
        good_row = files[key(source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz"))]
        self.assertEqual((good_row["read_error"], good_row["read_problem"]), (None, None))
        for uri in (corrupt, truncated):
            self.assertEqual(files[key(uri)]["read_problem"], "corrupt_file")
            self.assertTrue(files[key(uri)]["read_error"].startswith("cannot decompress: "))
        self.assertEqual(files[key(corrupt)]["ingested_at"], "2025-11-19 18:00:05.000000")
        lines = h.spark.table("batch_lines").collect()
        expected = gzip.decompress(good).decode("utf-8").split("\n")
        expected = expected[:-1] if expected[-1] == "" else expected
        self.assertEqual([r["line"] for r in lines], expected)
        self.assertEqual({r["line_problem"] for r in lines}, {None})
        self.assertTrue(all(r["source_file"].startswith("events/year=2025/") for r in lines))
        self.assertEqual(summary["files_read"], 3)
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_failed_bookmarked_read_falls_back_to_files_missing_from_the_ledger(self):
        h = typical(Harness())
        done = source_uri(19, 17, 50, "events-20251119-175000.jsonl.gz")
        h.add_source(done, gz(["{}"]), new=False)
        h.put_partition(LAKE + "bronze/file_ledger/year=2025/month=11/day=19/hour=17/",
                        [{"source_file": done[len("s3://capstone-events-s1-123/"):]}])
        h.glue.bookmark_error = RuntimeError("java.io.EOFException: Unexpected end of input stream")
        summary = h.run()
        self.assertEqual(summary["mode"], "ledger_fallback")
        self.assertEqual(h.recorder.of("read_binary")[0]["paths"], [source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz")])
        self.assertTrue(any('"bookmark_read_failed"' in line for line in h.lines))
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_files_outside_the_layout_or_the_path_range_are_left_out_and_logged_not_run(self):
        h = typical(Harness())
        stray = SOURCE + "stray.jsonl.gz"
        too_old = SOURCE + "year=2019/month=12/day=31/hour=23/minute=55/events-20191231-235500.jsonl.gz"
        h.add_source(stray, gz(["{}"]))
        h.add_source(too_old, gz(["{}"]))
        summary = h.run()
        self.assertEqual(summary["files_read"], 1)
        self.assertEqual(h.recorder.of("read_binary")[0]["paths"], [source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz")])
        skipped = [json.loads(line) for line in h.lines if '"source_file_ignored"' in line]
        self.assertEqual([e["file"] for e in skipped], [stray, too_old])
        self.assertIn("outside events/year=YYYY", skipped[0]["reason"])
        self.assertIn("2024..9999", skipped[1]["reason"])
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_rows_without_a_file_name_are_not_taken_for_an_empty_batch(self):
        h = typical(Harness())
        h.glue.bookmark_new.append("")  # what input_file_name() gives when Spark lost the file
        summary = h.run()
        self.assertEqual(summary["mode"], "ledger_fallback")
        self.assertEqual(summary["files_read"], 1)

    def test_backfill_reads_the_source_days_explicitly_not_the_bookmark(self):
        h = typical(Harness())
        other_day = SOURCE + "year=2025/month=11/day=21/hour=00/minute=00/events-20251121-000000.jsonl.gz"
        h.add_source(other_day, gz(["{}"]), new=False)
        summary = h.run(argv(backfill_from="2025-11-18", backfill_to="2025-11-20"))
        self.assertEqual(summary["mode"], "backfill")
        self.assertEqual(h.recorder.of("from_options"), [])
        listed = [e["uri"] for e in h.recorder.of("list") if e["uri"].startswith(SOURCE)]
        self.assertEqual(listed, [SOURCE + "year=2025/month=11/day=%02d/" % d for d in (18, 19, 20)])
        self.assertEqual(h.recorder.of("read_binary")[0]["paths"], [source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz")])


    def test_max_files_bounds_the_bookmarked_read(self):
        h = typical(Harness())
        h.run(argv(max_files="2"))
        self.assertEqual(h.recorder.of("from_options")[0]["connection_options"]["boundedFiles"], "2")
        unbounded = typical(Harness())
        unbounded.run()
        self.assertNotIn("boundedFiles", unbounded.recorder.of("from_options")[0]["connection_options"])

    def test_max_files_bounds_the_ledger_fallback_to_the_first_files(self):
        h = typical(Harness())
        later = [source_uri(19, 17, m, "events-20251119-17%02d00.jsonl.gz" % m) for m in (56, 57)]
        for uri in later:
            h.add_source(uri, gz(["{}"]))
        h.glue.bookmark_error = RuntimeError("java.io.EOFException: Unexpected end of input stream")
        summary = h.run(argv(max_files="2"))
        self.assertEqual(summary["mode"], "ledger_fallback")
        self.assertEqual(h.recorder.of("read_binary")[0]["paths"], [source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz"), later[0]])

    def test_a_backfill_with_the_bookmark_enabled_is_refused_before_job_init(self):
        h = typical(Harness())
        args = argv(backfill_from="2025-11-18", backfill_to="2025-11-20") + ["--job-bookmark-option", "job-bookmark-enable"]
        with self.assertRaisesRegex(job_args.ArgumentError, "job-bookmark-disable"):
            h.run(args)
        self.assertEqual(h.recorder.events, [])

    def test_a_local_batch_source_chooses_the_files_and_reports_unread_ones(self):
        h = typical(Harness())
        h.glue.bookmark_new.clear()  # the bookmark is not asked when a batch source is given
        read_uri = source_uri(19, 17, 55, "events-20251119-175500.jsonl.gz")
        changed = "events/year=2025/month=11/day=19/hour=17/minute=58/events-20251119-175800.jsonl.gz"
        source = LocalBatch([read_uri], [(changed, "changed_file", "processed sha256 aa, now sha256 bb")])
        summary = h.run(batch_source=source)
        self.assertEqual(h.recorder.of("from_options"), [])
        self.assertEqual(summary["mode"], "local")
        self.assertEqual(summary["files_read"], 2)
        self.assertEqual(h.recorder.of("read_binary")[0]["paths"], [read_uri])
        files = {r["source_file"]: r for r in h.spark.table("batch_files").collect()}
        self.assertEqual(sorted(files), sorted([changed, read_uri[len("s3://capstone-events-s1-123/"):]]))
        self.assertEqual((files[changed]["read_problem"], files[changed]["read_error"]), ("changed_file", "processed sha256 aa, now sha256 bb"))
        self.assertEqual({r["source_file"] for r in h.spark.table("batch_lines").collect()}, {read_uri[len("s3://capstone-events-s1-123/"):]})
        self.assertEqual(h.kinds()[-1], "job.commit")

    def test_a_batch_of_only_unread_files_still_runs_the_steps(self):
        h = typical(Harness())
        h.glue.bookmark_new.clear()
        unreadable = "events/year=2025/month=11/day=19/hour=17/minute=58/events-20251119-175800.jsonl.gz"
        summary = h.run(batch_source=LocalBatch([], [(unreadable, "unreadable_file", "cannot read: EACCES")]))
        self.assertNotIn("empty_batch", summary)
        self.assertEqual(h.recorder.of("read_binary"), [])
        self.assertEqual([(r["source_file"], r["read_problem"]) for r in h.spark.table("batch_files").collect()], [(unreadable, "unreadable_file")])
        self.assertEqual(h.spark.table("batch_lines").collect(), [])
        self.assertEqual(len(h.recorder.of("sql")), len(sql_steps()))


class LocalBatch:
    """The local Spark adapter's batch source: files chosen outside the bookmark."""

    mode = "local"

    def __init__(self, uris, unread):
        self.uris = uris
        self.unread = unread

    def files_to_read(self):
        return list(self.uris)

    def unread_files(self):
        return list(self.unread)


class RunReport(unittest.TestCase):
    def test_one_json_log_line_with_the_run_figures(self):
        h = typical(Harness())
        h.run()
        runs = [json.loads(line) for line in h.lines if '"lakehouse_etl_run"' in line]
        self.assertEqual(len(runs), 1)
        run = runs[0]
        self.assertEqual(run["files_read"], 1)
        self.assertEqual(run["lines_read"], 102)
        self.assertEqual(run["silver_rows_added"], 95)
        self.assertEqual(run["duplicates_dropped"], 2)
        self.assertEqual(run["quarantined_by_reason"], {"corrupt_file": 1, "malformed_json": 1, "missing_field": 3})
        self.assertEqual(run["partitions_rewritten"]["silver.events"], 2)
        self.assertEqual(set(run["step_seconds"]), {s["name"] for s in harness.manifest()["steps"]})
        self.assertNotIn("warnings", run)

    def test_cloudwatch_metrics_carry_the_same_figures(self):
        h = typical(Harness())
        h.run()
        call = h.recorder.of("put_metric_data")[0]
        self.assertEqual(call["namespace"], "Lakehouse/ETL")
        sent = {d["MetricName"]: d for d in call["data"]}
        self.assertEqual(set(sent), {"FilesRead", "LinesRead", "SilverRowsAdded", "DuplicatesDropped",
                                     "RecordsQuarantined", "CorruptFiles", "RunSeconds"})
        self.assertEqual(sent["LinesRead"]["Value"], 102)
        self.assertEqual(sent["CorruptFiles"]["Value"], 1)
        self.assertEqual(sent["RunSeconds"]["Unit"], "Seconds")
        self.assertEqual(sent["FilesRead"]["Unit"], "Count")
        for d in call["data"]:
            self.assertEqual(d["Dimensions"], [{"Name": "JobName", "Value": "lakehouse-etl-s1"}])
        self.assertLess(h.kinds().index("put_metric_data"), h.kinds().index("job.commit"))

    def test_a_missing_report_column_is_a_warning_not_a_failed_run(self):
        summary = run_report.build_summary("j", "bookmark", 1, {"run_metrics": [{"lines_read": 3}]}, {}, {}, 1.0)
        self.assertTrue(any("silver_rows_added" in w for w in summary["warnings"]))
        names = [d["MetricName"] for d in run_report.metric_data(summary)]
        self.assertIn("LinesRead", names)
        self.assertNotIn("SilverRowsAdded", names)


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def read(content, max_line_bytes=batch_input.DEFAULT_MAX_LINE_BYTES, max_file_bytes=batch_input.DEFAULT_MAX_FILE_BYTES):
    return batch_input.read_source_file(content, max_line_bytes, max_file_bytes)


class SourceReading(unittest.TestCase):
    """read_source_file / split_lines: what batch_lines and batch_files get from one object's bytes."""

    def test_lines_end_at_lf_or_crlf_and_keep_blanks(self):
        lines, problem, error = read(gzip.compress(b'{"a":1}\r\n\n  \n{"b"\n'))
        self.assertEqual(lines, [('{"a":1}', None), ("", None), ("  ", None), ('{"b"', None)])
        self.assertEqual((problem, error), (None, None))

    def test_a_final_line_without_terminator_is_a_line_and_a_final_terminator_adds_none(self):
        self.assertEqual(read(gzip.compress(b"a\nlast"))[0], [("a", None), ("last", None)])
        self.assertEqual(read(gzip.compress(b"a\r\nlast\r"))[0], [("a", None), ("last", None)])
        self.assertEqual(read(gzip.compress(b"a\n"))[0], [("a", None)])

    def test_a_crlf_split_between_chunks_is_one_terminator(self):
        self.assertEqual(list(batch_input.split_lines([b"a\r", b"\nb\r", b"\n"], 100)), [("a", None), ("b", None)])
        self.assertEqual(list(batch_input.split_lines([b"ab", b"c\nd", b"e"], 100)), [("abc", None), ("de", None)])

    def test_a_bom_is_dropped_only_at_the_start_of_the_file(self):
        bom = b"\xef\xbb\xbf"
        self.assertEqual(read(gzip.compress(bom + b"a\n" + bom + b"b\n"))[0], [("a", None), ("\ufeffb", None)])
        # A second gzip member does not start a new file.
        self.assertEqual(read(gzip.compress(b"a\n") + gzip.compress(bom + b"b\n"))[0], [("a", None), ("\ufeffb", None)])

    def test_a_bom_split_across_the_first_gzip_members_is_still_the_file_start(self):
        # The file's decompressed bytes start with a BOM; the local engine drops it. Fails while
        # split_lines only looks for the BOM inside the first decompressed chunk.
        self.assertEqual(read(gzip.compress(b"\xef\xbb") + gzip.compress(b"\xbfa\n"))[0], [("a", None)])

    def test_invalid_utf8_keeps_the_exact_bytes_in_base64(self):
        lines, problem, _ = read(gzip.compress(b'{"a":"\xff\xfe"}\r\nok\n'))
        self.assertEqual(lines, [(b64(b'{"a":"\xff\xfe"}'), "bad_encoding"), ("ok", None)])
        self.assertIsNone(problem)  # a bad line is quarantined, not the file

    def test_an_over_long_line_keeps_a_base64_prefix_of_the_bound(self):
        lines, problem, _ = read(gzip.compress(b"x" * 10 + b"\n12345678\n" + b"y" * 9 + b"\r\n"), max_line_bytes=8)
        self.assertEqual(lines, [(b64(b"x" * 8), "line_too_long"), ("12345678", None), (b64(b"y" * 8), "line_too_long")])
        self.assertIsNone(problem)
        # The bound holds across chunks, and the CR of a line exactly at the bound is no byte of it.
        chunks = [b"abc", b"defgh", b"ij\r\n", b"12345678\r\n"]
        self.assertEqual(list(batch_input.split_lines(chunks, 8)), [(b64(b"abcdefgh"), "line_too_long"), ("12345678", None)])

    def test_multi_member_gzip_is_one_file(self):
        self.assertEqual(read(gzip.compress(b"a\nb") + gzip.compress(b"c\n"))[0], [("a", None), ("bc", None)])

    def test_undecompressable_content_is_a_corrupt_file_with_no_lines(self):
        whole = gzip.compress(b"".join(b'{"n":%d}\n' % i for i in range(2000)))
        for name, content in (("not gzip", b"plain text\n"), ("trailing garbage", gzip.compress(b"a\n") + b"garbage"),
                              ("truncated", whole[: len(whole) // 2]), ("bad header", b"\x1f\x8b garbage")):
            lines, problem, error = read(content)
            self.assertEqual((lines, problem), ([], "corrupt_file"), name)
            self.assertTrue(error.startswith("cannot decompress: "), error)

    def test_a_zero_byte_object_is_an_empty_file_as_in_the_local_engine(self):
        self.assertEqual(read(b""), ([], None, None))

    def test_a_file_over_the_decompressed_bound_is_not_read_at_all(self):
        content = gzip.compress(b"line\n" * 100)
        self.assertEqual(len(read(content, max_file_bytes=500)[0]), 100)  # exactly at the bound: read
        lines, problem, error = read(content, max_file_bytes=499)
        self.assertEqual((lines, problem), ([], "file_too_large"))
        self.assertIn("499", error)
        self.assertEqual(read(gzip.compress(b"a\n") + gzip.compress(b"b\n"), max_file_bytes=3)[1], "file_too_large")

    def test_explode_file_gives_one_file_record_then_its_lines(self):
        records = list(batch_input.explode_file("events/x.jsonl.gz", gzip.compress(b"a\n\xff\n")))
        self.assertEqual(records, [("file", "events/x.jsonl.gz", None, None), ("line", "events/x.jsonl.gz", "a", None),
                                   ("line", "events/x.jsonl.gz", b64(b"\xff"), "bad_encoding")])


class SourceUris(unittest.TestCase):
    def test_relative_key_strips_scheme_and_bucket(self):
        self.assertEqual(batch_input.relative_key("s3://bkt/events/year=2025/x.jsonl.gz"), "events/year=2025/x.jsonl.gz")
        self.assertEqual(batch_input.relative_key("s3a://bkt/events/x.jsonl.gz", "s3://bkt/"), "events/x.jsonl.gz")
        with self.assertRaisesRegex(batch_input.InputError, "not an S3 URI"):
            batch_input.relative_key("/tmp/x")

    def test_relative_key_of_local_files_in_either_spelling(self):
        root = batch_input.source_root("file:///data/src/events/")
        self.assertEqual(root, "file:///data/src/")
        self.assertEqual(batch_input.relative_key("file:/data/src/events/year=2025/x.jsonl.gz", root), "events/year=2025/x.jsonl.gz")
        self.assertEqual(batch_input.relative_key("file:///data/src/events/x.jsonl.gz", root), "events/x.jsonl.gz")
        with self.assertRaisesRegex(batch_input.InputError, "not under the source root"):
            batch_input.relative_key("file:///data/other/events/x.jsonl.gz", root)

    def test_source_root_is_the_bucket_root_on_s3(self):
        self.assertEqual(batch_input.source_root("s3://bkt/events/"), "s3://bkt/")
        self.assertEqual(batch_input.source_root("s3a://bkt/some/prefix/events"), "s3://bkt/")
        self.assertEqual(batch_input.source_root("file:///data/src"), "file:///data/src/")

    def test_normalize_uri_gives_one_spelling_per_object(self):
        self.assertEqual(batch_input.normalize_uri("s3a://b/k"), "s3://b/k")
        self.assertEqual(batch_input.normalize_uri("s3n://b/k"), "s3://b/k")
        self.assertEqual(batch_input.normalize_uri("s3://b/k"), "s3://b/k")
        self.assertEqual(batch_input.normalize_uri("file:/data/x"), "file:///data/x")
        self.assertEqual(batch_input.normalize_uri("file:///data/x"), "file:///data/x")


class PartitionPaths(unittest.TestCase):
    def test_partition_values_match_the_schema_module_formats(self):
        tables = lake_layout.load_tables(json.loads(harness.tables_json()))
        silver, bronze = tables["silver.events"], tables["bronze.events"]
        self.assertEqual(silver.partition_uri("s3://a/", [("event_date", "2025-11-19"), ("event_hour", "05")]),
                         "s3://a/silver/events/event_date=2025-11-19/event_hour=5/")
        self.assertEqual(bronze.partition_uri("s3://a/", [("year", 2025), ("month", 3), ("day", "7"), ("hour", 0)]),
                         "s3://a/bronze/events/year=2025/month=03/day=07/hour=00/")
        with self.assertRaisesRegex(lake_layout.LayoutError, "event_hour"):
            silver.partition_uri("s3://a/", [("event_date", "2025-11-19"), ("event_hour", 24)])


if __name__ == "__main__":
    unittest.main()
