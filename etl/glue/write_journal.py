"""Run-level atomicity of the lake's writes: a run's writes become final together, or not at all.

Spark's dynamic partition overwrite deletes a partition's files before the new ones land, so a
run that dies in between loses the partition's earlier rows for good: the bookmark makes the
next run read only this batch's files again, not the rows other files had put there. Here no
file is deleted while a run writes. Every write adds new files only, and the journal, one small
object per run under <lake>/_state/journal/, records before each write (saved before Spark
writes anything) the partitions it touches and the files each holds now, each partition either

  - "replace": the write's files are its complete new content; the recorded files are
    superseded and deleted when the run commits (a replacing write's partitions, and an appended
    partition compacted into one file because one more would put it over the manifest's
    maxFilesPerPartition);
  - "append": the write's files are added beside the recorded ones, which stay.

When the last write of the run is done, the journal is marked committed (saved), the superseded
files are deleted, and the journal is deleted. A run that dies leaves its journal behind, and the
next run repairs the lake before it reads anything:

  - not committed: every entry is rolled back (the files of the recorded partitions that are
    not in the recorded lists are the dead run's output, and are deleted with the writer's
    _temporary scratch), so the lake is exactly as before the dead run, which the bookmark then
    replays from the start;
  - committed: rolled forward (the recorded files of replaced partitions are deleted), finishing
    what the dead run had decided.
"""
import json

from lake_layout import join_uri

REPLACE = "replace"
APPEND = "append"


class WriteJournal:
    def __init__(self, storage, lake_path, run_id, log):
        self.storage = storage
        self.folder = join_uri(lake_path, "_state", "journal") + "/"
        self.uri = join_uri(self.folder, run_id + ".json")
        self.log = log
        self.writes = []

    def _save(self, committed):
        self.storage.write_text(self.uri, json.dumps({"committed": committed, "writes": self.writes}, sort_keys=True))

    def begin(self, table_id, table_root, replaced, appended, listed=None):
        """Records, before a write, the partition folder URIs it replaces and appends to, with the
        files each holds now (`listed`: {partition: its objects} the caller has just listed, so
        they are not listed twice). Saved before returning, so the write may start."""
        listed = listed or {}
        partitions = {}
        for action, uris in ((REPLACE, replaced), (APPEND, appended)):
            for uri in uris:
                files = listed[uri] if uri in listed else self.storage.list_uris(uri)
                partitions[uri] = {"action": action, "files": sorted(files)}
        self.writes.append({"table": table_id, "root": table_root, "partitions": partitions})
        self._save(committed=False)

    def superseded(self):
        """Files this run has replaced: still in the lake until the commit, but no longer its content."""
        return {f for entry in self.writes for p in entry["partitions"].values() if p["action"] == REPLACE for f in p["files"]}

    def commit(self):
        """Makes every write of the run final: journal marked committed, replaced files deleted,
        journal deleted. A run that wrote nothing has no journal and nothing to do."""
        if not self.writes:
            return
        self._save(committed=True)
        for entry in self.writes:
            _roll_forward(self.storage, entry)
        self.storage.delete_uris([self.uri])
        self.writes = []

    def recover(self):
        """Repairs what runs that died before their commit left; returns the table ids repaired."""
        repaired = []
        for uri in sorted(u for u in self.storage.list_uris(self.folder) if u.endswith(".json")):
            for entry, committed in _entries(json.loads(self.storage.read_text(uri))):
                if committed:
                    _roll_forward(self.storage, entry)
                    action = "rolled_forward"
                else:
                    _roll_back(self.storage, entry)
                    action = "rolled_back"
                repaired.append(entry["table"])
                self.log(json.dumps({"event": "interrupted_write_repaired", "table": entry["table"], "action": action, "journal": uri}))
            self.storage.delete_uris([uri])
        return repaired


def _entries(doc):
    """(entry, committed) of a journal document. A journal written by the earlier per-table
    layout ({table id: {"state": "writing"|"written", "root", "old": {partition: files}}}), as
    a run that died just before an upgrade leaves it, is read as replace entries."""
    if "writes" in doc:
        return [(entry, bool(doc.get("committed"))) for entry in doc["writes"]]
    return [
        ({"table": table_id, "root": old["root"],
          "partitions": {p: {"action": REPLACE, "files": files} for p, files in old["old"].items()}},
         old["state"] == "written")
        for table_id, old in sorted(doc.items())
    ]


def _roll_forward(storage, entry):
    storage.delete_uris([f for p in entry["partitions"].values() if p["action"] == REPLACE for f in p["files"]])


def _roll_back(storage, entry):
    """Files in the recorded partitions that were not there before the write, and the writer's
    leftovers. A partition written twice in a run is in two entries, the later list holding the
    earlier write's files: rolling back both leaves exactly what the first list holds."""
    new = []
    for partition, recorded in entry["partitions"].items():
        keep = set(recorded["files"])
        new += [f for f in storage.list_uris(partition) if f not in keep]
    storage.delete_uris(new)
    storage.delete_prefix(join_uri(entry["root"], "_temporary") + "/")
