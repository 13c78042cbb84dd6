"""S3Store (etl/glue/s3_store.py) against a stub of the boto3 S3 client calls it makes."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "etl", "glue"))
from s3_store import DELETE_BATCH, S3Store  # noqa: E402


class StubS3:
    """list_objects_v2 pages (Prefix matched as S3 does: plain string prefix) and delete_objects."""

    PAGE = 1000

    def __init__(self, keys, fail_keys=()):
        self.keys = set(keys)
        self.fail_keys = set(fail_keys)
        self.deletes = []
        self.listed = []

    def get_paginator(self, operation):
        assert operation == "list_objects_v2", operation
        outer = self

        class _Paginator:
            def paginate(self, Bucket, Prefix):
                outer.listed.append((Bucket, Prefix))
                matching = sorted(k for k in outer.keys if k.startswith(Prefix))
                for start in range(0, max(len(matching), 1), outer.PAGE):
                    chunk = matching[start:start + outer.PAGE]
                    page = {"KeyCount": len(chunk)}
                    if chunk:
                        page["Contents"] = [{"Key": k} for k in chunk]
                    yield page

        return _Paginator()

    def delete_objects(self, Bucket, Delete):
        keys = [o["Key"] for o in Delete["Objects"]]
        if len(keys) > 1000:
            raise AssertionError("MalformedXML: more than 1000 keys in one delete_objects request")
        self.deletes.append((Bucket, keys, Delete.get("Quiet")))
        errors = [{"Key": k, "Code": "AccessDenied", "Message": "Access Denied"} for k in keys if k in self.fail_keys]
        for k in keys:
            if k not in self.fail_keys:
                self.keys.discard(k)
        return {"Errors": errors} if errors else {}


class DeletePrefix(unittest.TestCase):
    def test_a_folder_prefix_never_takes_a_sibling_that_only_shares_its_text(self):
        stub = StubS3(["silver/events/event_date=2025-11-19/event_hour=1/part-0.parquet",
                       "silver/events/event_date=2025-11-19/event_hour=1/part-1.parquet",
                       "silver/events/event_date=2025-11-19/event_hour=10/part-0.parquet"])
        deleted = S3Store(stub).delete_prefix("s3://bkt/silver/events/event_date=2025-11-19/event_hour=1")
        self.assertEqual(deleted, 2)
        self.assertEqual(stub.listed, [("bkt", "silver/events/event_date=2025-11-19/event_hour=1/")])
        self.assertEqual(stub.keys, {"silver/events/event_date=2025-11-19/event_hour=10/part-0.parquet"})

    def test_many_objects_are_listed_over_pages_and_deleted_in_batches_of_at_most_1000(self):
        keys = ["quarantine/events/year=2025/month=11/day=19/hour=17/part-%05d.parquet" % i for i in range(2500)]
        stub = StubS3(keys + ["quarantine/events/year=2025/month=11/day=19/hour=18/part-0.parquet"])
        deleted = S3Store(stub).delete_prefix("s3://bkt/quarantine/events/year=2025/month=11/day=19/hour=17/")
        self.assertEqual(deleted, 2500)
        self.assertEqual([len(k) for _, k, _ in stub.deletes], [DELETE_BATCH, DELETE_BATCH, 500])
        self.assertTrue(all(quiet is True and bucket == "bkt" for bucket, _, quiet in stub.deletes))
        self.assertEqual(sorted(k for _, batch, _ in stub.deletes for k in batch), sorted(keys))
        self.assertEqual(stub.keys, {"quarantine/events/year=2025/month=11/day=19/hour=18/part-0.parquet"})

    def test_an_empty_prefix_deletes_nothing(self):
        stub = StubS3(["silver/events/event_date=2025-11-19/event_hour=2/part-0.parquet"])
        self.assertEqual(S3Store(stub).delete_prefix("s3://bkt/silver/events/event_date=2025-11-19/event_hour=1/"), 0)
        self.assertEqual(stub.deletes, [])

    def test_keys_s3_refused_to_delete_fail_the_call_naming_them(self):
        stub = StubS3(["gold/x/event_date=2025-11-19/a.parquet", "gold/x/event_date=2025-11-19/b.parquet"],
                      fail_keys=["gold/x/event_date=2025-11-19/b.parquet"])
        with self.assertRaisesRegex(IOError, "1 object.*b.parquet: AccessDenied"):
            S3Store(stub).delete_prefix("s3://bkt/gold/x/event_date=2025-11-19/")

    def test_the_bucket_root_is_never_a_prefix_to_delete(self):
        stub = StubS3(["silver/events/event_date=2025-11-19/event_hour=1/part-0.parquet"])
        with self.assertRaisesRegex(ValueError, "s3://bkt/"):
            S3Store(stub).delete_prefix("s3://bkt/")
        self.assertEqual(stub.listed, [])


if __name__ == "__main__":
    unittest.main()
