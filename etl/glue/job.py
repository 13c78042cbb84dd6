"""Glue entry script of the lakehouse ETL (Glue 4.0/5.0, Spark, Python 3).

Only wiring lives here: the Glue and Spark objects, the S3 store and the CloudWatch client are
created and handed to lakehouse_engine.LakehouseRun, which does the work (and is what the tests
exercise with stand-ins). The helper modules arrive through --extra-py-files (etl/glue/*.py
uploaded next to this script by the EtlPipeline component). Arguments: see job_args.py and
docs/glue-job.md.
"""
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

from job_args import ArgumentError
from lakehouse_engine import LakehouseRun
from s3_store import S3Store


def main(argv):
    spark_context = SparkContext.getOrCreate()
    glue_context = GlueContext(spark_context)
    run = LakehouseRun(
        spark=glue_context.spark_session,
        glue_context=glue_context,
        job=Job(glue_context),
        storage=S3Store(boto3.client("s3")),
        cloudwatch=boto3.client("cloudwatch"),
        log=lambda line: print(line, flush=True),
    )
    try:
        run.run(argv, getResolvedOptions)
    except ArgumentError as err:
        # One line naming the argument; the run fails without touching any table or the bookmark.
        print("lakehouse-etl: %s" % err, file=sys.stderr, flush=True)
        raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv)
