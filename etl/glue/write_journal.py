"""Crash-safe replacement of lake partitions: new files are added before old ones are deleted.

Spark's dynamic partition overwrite deletes a partition's files before the new ones land, so a
run that dies in between loses the partition's earlier rows for good: the bookmark makes the
next run read only this batch's files again, not the rows other files had put there. Here a
partition is replaced in three steps, each recorded first in a small journal object under
<lake>/_state/journal/:

  1. "writing": the partitions about to change and the files each holds now;
  2. "written": the new files are all in place (Spark's append completed);
  3. the old files are deleted, then the entry is removed.

A run that dies leaves its journal behind, and the next run repairs the lake before it reads
anything: an entry still "writing" is rolled back (files that are not in the recorded list are
the dead run's partial output and are deleted), an entry "written" is rolled forward (the
recorded old files are deleted). Either way every partition holds exactly one complete version,
and the replayed batch then merges as if the dead run had never started.
"""
import json

from lake_layout import join_uri

WRITING = "writing"
WRITTEN = "written"


class WriteJournal:
    def __init__(self, storage, lake_path, run_id, log):
        self.storage = storage
        self.folder = join_uri(lake_path, "_state", "journal") + "/"
        self.uri = join_uri(self.folder, run_id + ".json")
        self.log = log
        self.entries = {}

    def _save(self):
        self.storage.write_text(self.uri, json.dumps(self.entries, sort_keys=True))

    def begin(self, table_id, table_root, partitions):
        """Records the partitions about to change with the files they hold now."""
        self.entries[table_id] = {
            "state": WRITING,
            "root": table_root,
            "old": {uri: sorted(self.storage.list_uris(uri)) for uri in partitions},
        }
        self._save()

    def written(self, table_id):
        self.entries[table_id]["state"] = WRITTEN
        self._save()

    def finish(self, table_id):
        """Deletes the replaced files and forgets the entry."""
        entry = self.entries.pop(table_id)
        _delete_old(self.storage, entry)
        if self.entries:
            self._save()
        else:
            self.storage.delete_uris([self.uri])

    def recover(self):
        """Repairs what runs that died mid-write left; returns the table ids repaired."""
        repaired = []
        for uri in sorted(u for u in self.storage.list_uris(self.folder) if u.endswith(".json")):
            for table_id, entry in sorted(json.loads(self.storage.read_text(uri)).items()):
                if entry["state"] == WRITING:
                    _delete_new(self.storage, entry)
                    action = "rolled_back"
                else:
                    _delete_old(self.storage, entry)
                    action = "rolled_forward"
                repaired.append(table_id)
                self.log(json.dumps({"event": "interrupted_write_repaired", "table": table_id, "action": action, "journal": uri}))
            self.storage.delete_uris([uri])
        return repaired


def _delete_old(storage, entry):
    storage.delete_uris([f for files in entry["old"].values() for f in files])


def _delete_new(storage, entry):
    """Files in the recorded partitions that were not there before, and the writer's leftovers."""
    new = []
    for partition, old in entry["old"].items():
        keep = set(old)
        new += [f for f in storage.list_uris(partition) if f not in keep]
    storage.delete_uris(new)
    storage.delete_prefix(join_uri(entry["root"], "_temporary") + "/")
