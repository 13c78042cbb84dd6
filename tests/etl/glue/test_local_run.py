"""etl/spark/local_run.py without Spark: its file-system store and the repair of a failed run
(python3 -m unittest, standard library)."""
import json
import os
import shutil
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "etl", "spark"))

import local_run  # noqa: E402
from write_journal import WriteJournal  # noqa: E402


class FailedRun:
    """What main() holds when LakehouseRun.run raised: the run and its journal."""

    def __init__(self, journal):
        self.journal = journal


class LocalRepair(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="local-run-test-")
        self.lake = local_run.file_uri(os.path.join(self.dir, "lake"), folder=True)
        self.store = local_run.LocalStore()
        self.lines = []

    def tearDown(self):
        shutil.rmtree(self.dir)

    def put(self, rel):
        path = os.path.join(self.dir, "lake", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(rel)
        return local_run.file_uri(path)

    def files(self):
        return sorted(f for f in self.store.list_uris(self.lake) if "/_state/" not in f)

    def test_a_failed_run_is_rolled_back_at_once_to_exactly_the_files_before_it(self):
        hour_17 = self.lake + "silver/events/event_date=2025-11-19/event_hour=17/"
        hour_18 = self.lake + "silver/events/event_date=2025-11-19/event_hour=18/"
        bronze = self.lake + "bronze/events/year=2025/month=11/day=19/hour=17/"
        self.put("silver/events/event_date=2025-11-19/event_hour=17/part-old.parquet")
        self.put("bronze/events/year=2025/month=11/day=19/hour=17/part-old.parquet")
        before = self.files()
        journal = WriteJournal(self.store, self.lake, "run-1", self.lines.append)
        journal.begin("bronze.events", self.lake + "bronze/events/", [], [bronze])
        self.put("bronze/events/year=2025/month=11/day=19/hour=17/part-new.parquet")
        journal.begin("silver.events", self.lake + "silver/events/", [hour_17], [hour_18])
        self.put("silver/events/event_date=2025-11-19/event_hour=17/part-new.parquet")
        self.put("silver/events/event_date=2025-11-19/event_hour=18/part-new.parquet")
        self.put("silver/events/_temporary/0/task.parquet")
        self.assertGreater(len(self.files()), len(before))
        local_run.undo_failed_run(FailedRun(journal))
        self.assertEqual(self.files(), before)
        self.assertEqual(list(self.store.list_uris(self.lake + "_state/journal/")), [])
        self.assertEqual([json.loads(line)["action"] for line in self.lines], ["rolled_back", "rolled_back"])

    def test_a_run_that_failed_while_committing_is_rolled_forward(self):
        hour_17 = self.lake + "silver/events/event_date=2025-11-19/event_hour=17/"
        old = self.put("silver/events/event_date=2025-11-19/event_hour=17/part-old.parquet")
        journal = WriteJournal(self.store, self.lake, "run-1", self.lines.append)
        journal.begin("silver.events", self.lake + "silver/events/", [hour_17], [])
        new = self.put("silver/events/event_date=2025-11-19/event_hour=17/part-new.parquet")
        journal._save(committed=True)  # what commit() saves before it deletes anything
        local_run.undo_failed_run(FailedRun(journal))
        self.assertEqual(self.files(), [new])
        self.assertNotIn(old, self.files())
        self.assertEqual([json.loads(line)["action"] for line in self.lines], ["rolled_forward"])

    def test_a_run_that_failed_before_it_had_a_journal_needs_no_repair(self):
        local_run.undo_failed_run(None)
        local_run.undo_failed_run(FailedRun(None))
        self.assertEqual(self.lines, [])

    def test_listing_a_folder_that_does_not_exist_gives_nothing(self):
        self.assertEqual(list(self.store.list_uris(self.lake + "silver/events/event_date=2025-11-19/")), [])


if __name__ == "__main__":
    unittest.main()
