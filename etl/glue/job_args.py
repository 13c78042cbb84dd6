"""The job's arguments: names (fixed by the EtlPipeline contract), checks and meaning.

Glue passes job arguments as "--name value" pairs in sys.argv; getResolvedOptions (awsglue)
parses them. Presence is checked here first so a missing argument fails with one line naming
every missing flag and what it should hold, instead of argparse's usage dump.
"""
import datetime

# name -> what it must hold (also the text of the error when it is missing or malformed)
REQUIRED_ARGS = {
    "JOB_NAME": "the Glue job name (Glue sets it)",
    "source_path": "s3://<source bucket>/events/ (the generator's prefix)",
    "lake_path": "s3://<analytics bucket>/ (table locations are relative to it)",
    "etl_path": "s3://<analytics bucket>/etl/ (manifest.json, tables.json, sql/)",
    "bronze_database": "the Glue database of bronze tables (bronze_<id>)",
    "silver_database": "the Glue database of silver and quarantine tables (silver_<id>)",
    "gold_database": "the Glue database of gold tables (gold_<id>)",
    "metrics_namespace": "the CloudWatch namespace of the run metrics (Lakehouse/ETL)",
    "TempDir": "s3://<analytics bucket>/glue-temp/ (Glue's temporary directory)",
}

# Optional: a backfill reads these source days explicitly instead of the bookmark's new files.
OPTIONAL_ARGS = {
    "backfill_from": "first source day to reprocess, yyyy-MM-dd (with --backfill_to)",
    "backfill_to": "last source day to reprocess, yyyy-MM-dd (with --backfill_from)",
    "max_line_bytes": "the longest line read as a record, in bytes (a positive integer); longer lines are quarantined as line_too_long",
    "max_file_bytes": "the most decompressed bytes read from one source file (a positive integer); a larger file is quarantined as file_too_large",
    "max_files": "the most new source files one run takes (a positive integer); a backlog is worked off run by run",
}

# Defaults of the optional bounds (the local engine uses the same).
DEFAULT_BOUNDS = {"max_line_bytes": 1024 * 1024, "max_file_bytes": 4 * 1024 * 1024 * 1024}

S3_ARGS = ("source_path", "lake_path", "etl_path", "TempDir")


class ArgumentError(ValueError):
    """A job argument is missing or malformed; the message names it and what was expected."""


def _present(argv, name):
    flag = "--" + name
    return any(a == flag or a.startswith(flag + "=") for a in argv)


def resolve_args(argv, get_resolved_options, schemes=("s3://",)):
    """Validated arguments as a dict; raises ArgumentError naming every bad or missing flag.

    `schemes`: the URI schemes the location arguments may use (s3:// on Glue; the local Spark
    adapter passes file://)."""
    missing = [n for n in REQUIRED_ARGS if not _present(argv, n)]
    if missing:
        raise ArgumentError(
            "missing job argument(s): "
            + "; ".join("--%s (expected %s)" % (n, REQUIRED_ARGS[n]) for n in missing)
        )
    names = list(REQUIRED_ARGS) + [n for n in OPTIONAL_ARGS if _present(argv, n)]
    args = dict(get_resolved_options(argv, names))
    for name in S3_ARGS:
        value = args.get(name) or ""
        if not any(value.startswith(scheme) and len(value) > len(scheme) for scheme in schemes):
            raise ArgumentError("job argument --%s: expected %s, got '%s'" % (name, REQUIRED_ARGS[name], value))
        args[name] = value if value.endswith("/") else value + "/"
    for name in REQUIRED_ARGS:
        if not args.get(name):
            raise ArgumentError("job argument --%s is empty: expected %s" % (name, REQUIRED_ARGS[name]))
    args["backfill"] = _backfill_range(args)
    for name, default in DEFAULT_BOUNDS.items():
        args[name] = _positive_int(args, name) if name in args else default
    args["max_files"] = _positive_int(args, "max_files") if "max_files" in args else None
    if args["backfill"] and _bookmark_option(argv) not in ("job-bookmark-disable", "job-bookmark-pause", None):
        # A backfill rereads days the bookmark has already passed; with the bookmark on, Glue
        # would also record them, and a later bookmark reset would skip them.
        raise ArgumentError("job arguments --backfill_from/--backfill_to need the job bookmark disabled: "
                            "expected --job-bookmark-option job-bookmark-disable (or job-bookmark-pause), got %s" % _bookmark_option(argv))
    return args


def _bookmark_option(argv):
    """The value of Glue's own --job-bookmark-option argument, or None when it is absent."""
    for i, arg in enumerate(argv):
        if arg == "--job-bookmark-option" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--job-bookmark-option="):
            return arg.split("=", 1)[1]
    return None


def _positive_int(args, name):
    text = str(args[name])
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ArgumentError("job argument --%s: expected %s, got '%s'" % (name, OPTIONAL_ARGS[name], text))
    return int(text)


def _parse_day(args, name):
    try:
        return datetime.date.fromisoformat(args[name])
    except ValueError:
        raise ArgumentError("job argument --%s: expected %s, got '%s'" % (name, OPTIONAL_ARGS[name], args[name]))


def _backfill_range(args):
    has_from = "backfill_from" in args
    has_to = "backfill_to" in args
    if has_from != has_to:
        raise ArgumentError("job arguments --backfill_from and --backfill_to go together: expected both yyyy-MM-dd days or neither")
    if not has_from:
        return None
    first, last = _parse_day(args, "backfill_from"), _parse_day(args, "backfill_to")
    if last < first:
        raise ArgumentError("job argument --backfill_to %s is before --backfill_from %s" % (last, first))
    return (first, last)
