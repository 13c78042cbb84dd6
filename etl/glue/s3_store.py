"""The few S3 operations the job needs beyond Spark's own readers, behind one small object.

boto3 is imported when the store is created (it is preinstalled on Glue, not here), so every
other module stays importable by the tests, which pass an in-memory store with the same methods.
"""
from batch_input import split_s3_uri


class S3Store:
    def __init__(self, client=None):
        if client is None:
            import boto3  # only on Glue; tests inject a stand-in store instead

            client = boto3.client("s3")
        self._s3 = client

    def read_text(self, uri):
        """Whole object as UTF-8 text (manifest.json, tables.json, the SQL files)."""
        bucket, key = split_s3_uri(uri)
        return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")

    def exists(self, prefix_uri):
        """True when at least one object lies under the prefix."""
        bucket, key = split_s3_uri(prefix_uri)
        page = self._s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return page.get("KeyCount", 0) > 0

    def list_keys(self, prefix_uri):
        """Every object key under the prefix."""
        bucket, key = split_s3_uri(prefix_uri)
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                yield obj["Key"]
