"""A stand-in for the parts of AWS Glue's `awsglue` library that etl/glue/job.py uses. TESTS ONLY.

The real library ships only inside Glue's runtime, so tests/etl/glue/entry.test.ts puts this package
on PYTHONPATH to run etl/glue/job.py unchanged on a local SparkSession against a local S3 API.
It is never uploaded or deployed.

What it reproduces, from Glue's documentation of job bookmarks and of the classes it stands in for:
  - GlueContext(spark_context) over the one SparkSession (`.spark_session`), and
    `create_dynamic_frame.from_options(connection_type="s3", connection_options={"paths": [...],
    "recurse": True, ...}, format="csv"|"json", format_options=..., transformation_ctx=...)`
    whose `.toDF()` is a file scan, so input_file_name() names the object of every row
    (dynamicframe.py, context.py);
  - Job(glue_context).init(name, args) / .commit(): the bookmark state is kept per job name and
    per transformation_ctx in a local JSON file (job.py). For S3 sources:
      * a read with a transformation_ctx returns only objects not committed before, or whose
        last-modified time changed since (Glue: "the job bookmark checks the last modified time
        of the objects to verify which objects need to be reprocessed");
      * state is saved only at job.commit(): a run that fails or is killed before its commit
        reads the same objects again next time; objects already committed are not read again;
      * a read without transformation_ctx, or before job.init, is not bookmarked (reads all);
      * `--job-bookmark-option job-bookmark-disable` in the job arguments reads everything and
        saves nothing.
  - getResolvedOptions(argv, names) (utils.py): `--name value` and `--name=value`, argparse-based
    like Glue's, exiting 2 when a requested name is missing.

Assumption where the documentation is silent: the objects a bookmarked read selected are recorded
at commit even if evaluating the frame later failed (for example on a corrupt gzip object). The
job never relies on this: it falls back to the file ledger when the read fails.
"""
