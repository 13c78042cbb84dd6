"""The few S3 operations the job needs beyond Spark's own readers and writers, behind one small object.

boto3 is imported when the store is created (it is preinstalled on Glue, not here), so every
other module stays importable by the tests, which pass an in-memory store with the same methods.
"""
from batch_input import split_s3_uri

# delete_objects takes at most 1000 keys per request.
DELETE_BATCH = 1000


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

    def write_text(self, uri, text):
        """Writes a whole object (one PUT: readers see the old or the new content, never a mix)."""
        bucket, key = split_s3_uri(uri)
        self._s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))

    def delete_uris(self, uris):
        """Deletes the given objects (s3://bucket/key URIs of one or more buckets)."""
        by_bucket = {}
        for uri in uris:
            bucket, key = split_s3_uri(uri)
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in sorted(by_bucket.items()):
            self._delete_keys(bucket, keys, "s3://%s/" % bucket)

    def exists(self, prefix_uri):
        """True when at least one object lies under the prefix."""
        bucket, key = split_s3_uri(prefix_uri)
        page = self._s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return page.get("KeyCount", 0) > 0

    def list_uris(self, prefix_uri):
        """URI (s3://bucket/key) of every object under the prefix."""
        bucket, key = split_s3_uri(prefix_uri)
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                yield "s3://%s/%s" % (bucket, obj["Key"])

    def delete_prefix(self, prefix_uri):
        """Deletes every object under the folder prefix; returns how many were deleted.

        The prefix always ends in '/', so event_hour=1/ never takes event_hour=10/ with it.
        Keys are listed in full before the first delete, so deleting never shifts a page.
        """
        bucket, key = split_s3_uri(prefix_uri)
        key = key.rstrip("/") + "/"
        if key == "/":
            raise ValueError("refusing to delete '%s': expected a folder below the bucket root" % prefix_uri)
        paginator = self._s3.get_paginator("list_objects_v2")
        keys = [obj["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=key) for obj in page.get("Contents", [])]
        self._delete_keys(bucket, keys, prefix_uri)
        return len(keys)

    def _delete_keys(self, bucket, keys, where):
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            answer = self._s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
            # delete_objects answers 200 even when single keys fail; those come back in Errors.
            errors = answer.get("Errors") or []
            if errors:
                first = errors[0]
                raise IOError("%s: %d object(s) not deleted, first %s: %s %s" % (
                    where, len(errors), first.get("Key"), first.get("Code"), first.get("Message")))
