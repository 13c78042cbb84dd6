"""The file bound of appended partitions on the Glue engine (manifest maxFilesPerPartition, see
etl/manifest.ts): an append that would put a partition over the bound rewrites it as one file of
all its rows, recorded in the write journal as a replaced partition, so its old files are deleted
only when the run commits and a run that dies before that leaves them in place.

Run from the repository root:  python3 -m unittest discover -s tests/etl/glue -t tests/etl/glue
"""
import json
import unittest

import harness
from harness import ETL, LAKE, Harness
from test_orchestration import (
    BRONZE_HOUR, PATH_KEYS, QUARANTINE_HOUR, lake_deletions, logged, recorded, typical, written_files,
)

import write_journal

BOUND = 3


def bounded(h, bound=BOUND):
    """The real manifest with another file bound, served from etl_path."""
    changed = harness.manifest()
    changed["maxFilesPerPartition"] = bound
    h.storage.texts[ETL + "manifest.json"] = json.dumps(changed)
    return h


def bronze_row(source_file):
    return dict(PATH_KEYS, source_file=source_file)


def with_full_bronze_hour(h):
    """BOUND files in the bronze hour the batch appends to (one more would exceed the bound), one
    fewer in the quarantine hour (one more reaches it), and the batch's own rows."""
    h.old_bronze = [h.put_partition(BRONZE_HOUR, [bronze_row("old-%d" % i)], name="part-0000%d-old.c000.zstd.parquet" % i)
                    for i in range(BOUND)]
    h.old_quarantine = [h.put_partition(QUARANTINE_HOUR, [dict(PATH_KEYS, raw_line="old-%d" % i)],
                                        name="part-0000%d-old.c000.zstd.parquet" % i) for i in range(BOUND - 1)]
    h.spark.view_rows["bronze"] = [bronze_row("new-a"), bronze_row("new-b")]
    return h


class CompactingAppends(unittest.TestCase):
    def test_a_partition_over_the_bound_becomes_one_file_of_all_its_rows(self):
        h = with_full_bronze_hour(bounded(typical(Harness())))
        summary = h.run()
        self.assertEqual(summary["partitions_compacted"], {"bronze.events": 1})
        (new_file,) = written_files(h, LAKE + "bronze/events/", BRONZE_HOUR)
        self.assertEqual(h.spark.files_in(BRONZE_HOUR), [new_file])
        # every old row and every batch row, once each, in the partition's path spelling
        rows = h.spark.lake_files[new_file]
        self.assertEqual(sorted(r["source_file"] for r in rows), ["new-a", "new-b", "old-0", "old-1", "old-2"])
        self.assertEqual({tuple(r[k] for k in PATH_KEYS) for r in rows}, {tuple(PATH_KEYS.values())})
        self.assertEqual(recorded(h, "bronze.events"), {BRONZE_HOUR: {"action": "replace", "files": h.old_bronze}})
        self.assertEqual(sorted(lake_deletions(h)), sorted(h.old_bronze))
        (event,) = [e for e in logged(h, "partitions_compacted") if e["table"] == "bronze.events"]
        self.assertEqual(event, {"event": "partitions_compacted", "table": "bronze.events", "partitions": 1, "max_files_per_partition": BOUND})

    def test_a_partition_at_the_bound_gets_a_plain_append_and_none_of_its_files_is_read(self):
        h = with_full_bronze_hour(bounded(typical(Harness())))
        h.run()
        self.assertEqual(recorded(h, "quarantine.events"), {QUARANTINE_HOUR: {"action": "append", "files": h.old_quarantine}})
        self.assertEqual(len(h.spark.files_in(QUARANTINE_HOUR)), BOUND)
        read = [p for d in h.recorder.of("read_parquet") for p in d["paths"]]
        self.assertEqual([p for p in read if p.startswith(QUARANTINE_HOUR)], [])
        self.assertEqual([e["table"] for e in logged(h, "partitions_compacted")], ["bronze.events"])
        self.assertEqual([u for u in h.deleted() if u.startswith(QUARANTINE_HOUR)], [])

    def test_the_old_files_are_deleted_only_after_the_last_write_and_the_commit_mark(self):
        h = with_full_bronze_hour(bounded(typical(Harness())))
        h.run()
        deletions = [i for i, (k, d) in enumerate(h.recorder.events) if k == "delete_uris" and set(d["uris"]) & set(h.old_bronze)]
        last_write = max(i for i, (k, _) in enumerate(h.recorder.events) if k == "write")
        commit_mark = [i for i, doc in h.journal_saves() if doc["committed"]][0]
        self.assertLess(last_write, commit_mark)
        self.assertLess(commit_mark, min(deletions))

    def test_a_run_that_fails_after_compacting_keeps_the_old_files_and_is_rolled_back_to_them(self):
        h = with_full_bronze_hour(bounded(typical(Harness())))
        before = {uri: [dict(r) for r in rows] for uri, rows in h.spark.lake_files.items()}
        h.spark.fail_write_prefixes.append(LAKE + "gold/user_activity/")
        with self.assertRaisesRegex(RuntimeError, "injected write failure"):
            h.run()
        self.assertEqual(h.deleted(), [])
        for uri in h.old_bronze:
            self.assertIn(uri, h.spark.lake_files)
        self.assertEqual(len(h.spark.files_in(BRONZE_HOUR)), BOUND + 1)  # the compacted file beside the old ones
        (doc,) = h.journal_objects().values()
        self.assertFalse(doc["committed"])
        write_journal.WriteJournal(h.storage, LAKE, "next", h.lines.append).recover()
        self.assertEqual(h.spark.lake_files, before)

    def test_a_run_that_died_while_deleting_the_old_files_is_rolled_forward(self):
        h = with_full_bronze_hour(bounded(typical(Harness())))
        h.storage.fail_delete_under = BRONZE_HOUR
        with self.assertRaisesRegex(IOError, "injected delete failure"):
            h.run()
        (new_file,) = written_files(h, LAKE + "bronze/events/", BRONZE_HOUR)
        h.storage.fail_delete_under = None
        write_journal.WriteJournal(h.storage, LAKE, "next", h.lines.append).recover()
        self.assertEqual(h.spark.files_in(BRONZE_HOUR), [new_file])


class FileBoundInTheManifest(unittest.TestCase):
    """maxFilesPerPartition is checked as etl/manifest.ts validateManifest checks it, before any
    file of the batch is read."""

    def refused(self, value):
        h = typical(Harness())
        changed = harness.manifest()
        if value is None:
            changed.pop("maxFilesPerPartition")
        else:
            changed["maxFilesPerPartition"] = value
        h.storage.texts[ETL + "manifest.json"] = json.dumps(changed)
        with self.assertRaisesRegex(ValueError, r"manifest\.json: maxFilesPerPartition: expected a whole number >= 1, got "):
            h.run()
        self.assertEqual(h.recorder.of("from_options"), [])
        self.assertEqual(h.writes(), [])

    def test_a_bound_that_is_not_a_whole_number_of_at_least_one_is_refused(self):
        for value in (0, -3, 2.5, "24", True, None):
            with self.subTest(value=value):
                self.refused(value)


if __name__ == "__main__":
    unittest.main()
