"""Job of awsglue.job with a job bookmark kept in a local JSON file (test stand-in; see
awsglue/__init__.py for the Glue behaviours it reproduces).

The file is the one the environment variable BOOKMARK_FILE_ENV names. Its layout:
  {"version": 1, "jobs": {JOB_NAME: {"run": <commits so far>,
      "contexts": {transformation_ctx: {"objects": {uri: last-modified ms, ...}}}}}}
"""
import json
import os
import sys

BOOKMARK_FILE_ENV = "AWSGLUE_STANDIN_BOOKMARK_FILE"


class JobBookmark:
    """The committed state of one job, plus what the current run has read and not yet committed."""

    def __init__(self, path, job_name, enabled):
        self.path = path
        self.job_name = job_name
        self.enabled = enabled
        self._document = self._load()
        job = self._document["jobs"].get(job_name, {"run": 0, "contexts": {}})
        self._committed = {ctx: dict(state["objects"]) for ctx, state in job["contexts"].items()}
        self._run = job["run"]
        self._pending = {}

    def _load(self):
        if not os.path.exists(self.path):
            return {"version": 1, "jobs": {}}
        with open(self.path, encoding="utf-8") as fh:
            return json.load(fh)

    def select(self, ctx, objects):
        """The (uri, last-modified) pairs a bookmarked read of `ctx` takes: those not committed
        before with the same last-modified time. They are committed with the run."""
        if not self.enabled:
            return list(objects)
        seen = self._committed.get(ctx, {})
        chosen = [(uri, mtime) for uri, mtime in objects if seen.get(uri) != mtime]
        self._pending.setdefault(ctx, {}).update(dict(chosen))
        return chosen

    def commit(self):
        """Saves what this run read, atomically; nothing before this call is ever saved."""
        if not self.enabled:
            return
        contexts = {ctx: dict(objects) for ctx, objects in self._committed.items()}
        for ctx, objects in self._pending.items():
            contexts.setdefault(ctx, {}).update(objects)
        self._run += 1
        self._document["jobs"][self.job_name] = {
            "run": self._run,
            "contexts": {ctx: {"objects": dict(sorted(objs.items()))} for ctx, objs in sorted(contexts.items())},
        }
        temp = self.path + ".tmp"
        with open(temp, "w", encoding="utf-8") as fh:
            json.dump(self._document, fh, indent=2)
        os.replace(temp, self.path)
        self._committed, self._pending = contexts, {}


def _bookmarks_disabled(argv):
    for i, arg in enumerate(argv):
        if arg == "--job-bookmark-option" and i + 1 < len(argv):
            return argv[i + 1] == "job-bookmark-disable"
        if arg.startswith("--job-bookmark-option="):
            return arg.split("=", 1)[1] == "job-bookmark-disable"
    return False


class Job:
    def __init__(self, glue_context):
        self._glue_context = glue_context
        self._bookmark = None

    def init(self, job_name, args=None):
        path = os.environ.get(BOOKMARK_FILE_ENV)
        if not path:
            raise RuntimeError("awsglue stand-in: set %s to the bookmark state file (a JSON path)" % BOOKMARK_FILE_ENV)
        self._bookmark = JobBookmark(path, job_name, enabled=not _bookmarks_disabled(sys.argv))
        self._glue_context.attach_bookmark(self._bookmark)

    def commit(self):
        if self._bookmark is None:
            raise RuntimeError("awsglue stand-in: Job.commit() before Job.init()")
        self._bookmark.commit()
