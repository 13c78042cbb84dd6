"""Runs rendered validation checks on a local SparkSession over a local lake (tests only).

The checks' SQL must mean the same on Athena (Trino), DuckDB and Spark; this runs it on Spark
for real. Each lake table becomes a temporary view named `<database>_<table>`, read with the
schema module's column and partition types (so `month=03` stays the string '03', as in Glue).

Input (stdin, JSON): {"tables": [{"view", "path", "ddl"}], "checks": [{"id", "sql"}], "temp": DIR}
Output (stdout): one JSON line per check: {"id", "failures", "rows_checked", "observed"} or {"id", "error"}.
"""
import json
import os
import sys


def main():
    spec = json.load(sys.stdin)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("lakehouse-checks")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # A lake of a few rows: one shuffle partition, no adaptive re-planning.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", "file://" + os.path.join(spec["temp"], "warehouse"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for table in spec["tables"]:
        if os.path.isdir(table["path"]) and any(n.endswith(".parquet") for _d, _s, names in os.walk(table["path"]) for n in names):
            frame = spark.read.schema(table["ddl"]).option("basePath", table["path"]).option("recursiveFileLookup", "false").parquet(table["path"])
        else:
            frame = spark.createDataFrame([], table["ddl"])
        frame.createOrReplaceTempView(table["view"])
    for check in spec["checks"]:
        try:
            rows = spark.sql(check["sql"]).collect()
            if len(rows) != 1:
                raise ValueError("returned %d rows, expected 1" % len(rows))
            row = rows[0].asDict()
            out = {"id": check["id"], "failures": row["failures"], "rows_checked": row["rows_checked"], "observed": row["observed"]}
        except Exception as error:  # reported per check, as the other runners do
            text = " ".join(str(error).split())
            out = {"id": check["id"], "error": text[:400] or type(error).__name__}
        print(json.dumps(out), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
