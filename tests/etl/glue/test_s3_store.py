"""S3Store (etl/glue/s3_store.py) against a stub of the boto3 S3 client calls it makes."""
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "etl", "glue"))
from s3_store import DELETE_BATCH, S3Store  # noqa: E402


class StubS3:
    """list_objects_v2 pages (Prefix matched as S3 does: plain string prefix) and delete_objects."""

    PAGE = 1000

    def __init__(self, keys, fail_keys=(), bucket="bkt"):
        self.keys = set(keys)
        self.fail_keys = set(fail_keys)
        self.bucket = bucket
        self.bodies = {}
        self.deletes = []
        self.listed = []

    def put_object(self, Bucket, Key, Body):
        assert Bucket == self.bucket, Bucket
        self.keys.add(Key)
        self.bodies[Key] = bytes(Body)

    def get_object(self, Bucket, Key):
        assert Bucket == self.bucket, Bucket
        if Key not in self.bodies:
            raise KeyError("NoSuchKey: %s" % Key)
        return {"Body": io.BytesIO(self.bodies[Key])}

    def list_objects_v2(self, Bucket, Prefix, MaxKeys):
        matching = sorted(k for k in self.keys if Bucket == self.bucket and k.startswith(Prefix))[:MaxKeys]
        return {"KeyCount": len(matching), "Contents": [{"Key": k} for k in matching]}

    def get_paginator(self, operation):
        assert operation == "list_objects_v2", operation
        outer = self

        class _Paginator:
            def paginate(self, Bucket, Prefix):
                outer.listed.append((Bucket, Prefix))
                matching = sorted(k for k in outer.keys if Bucket == outer.bucket and k.startswith(Prefix))
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
        if Bucket != self.bucket:
            return {}
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


class ObjectCalls(unittest.TestCase):
    """The calls the write journal and the batch listing make."""

    def test_list_uris_gives_full_uris_of_every_object_under_the_prefix_over_pages(self):
        keys = ["events/year=2025/month=11/day=19/hour=17/f%04d.jsonl.gz" % i for i in range(1500)]
        stub = StubS3(keys + ["events/year=2025/month=11/day=19/hour=18/g.jsonl.gz"])
        uris = list(S3Store(stub).list_uris("s3://bkt/events/year=2025/month=11/day=19/hour=17/"))
        self.assertEqual(uris, ["s3://bkt/" + k for k in sorted(keys)])

    def test_list_uris_of_an_s3a_prefix_gives_s3_uris(self):
        stub = StubS3(["lake/_state/journal/run-1.json"])
        self.assertEqual(list(S3Store(stub).list_uris("s3a://bkt/lake/_state/journal/")), ["s3://bkt/lake/_state/journal/run-1.json"])

    def test_write_text_puts_the_whole_object_and_read_text_reads_it_back(self):
        stub = StubS3([])
        store = S3Store(stub)
        store.write_text("s3://bkt/_state/journal/run-1.json", '{"silver.events": "caf\u00e9"}')
        self.assertEqual(stub.bodies["_state/journal/run-1.json"], '{"silver.events": "caf\u00e9"}'.encode("utf-8"))
        self.assertEqual(store.read_text("s3://bkt/_state/journal/run-1.json"), '{"silver.events": "caf\u00e9"}')
        self.assertTrue(store.exists("s3://bkt/_state/journal/"))
        self.assertFalse(store.exists("s3://bkt/_state/other/"))

    def test_delete_uris_deletes_exactly_the_named_objects_in_batches(self):
        keys = ["silver/events/event_date=2025-11-19/event_hour=1/part-%05d.parquet" % i for i in range(1200)]
        sibling = "silver/events/event_date=2025-11-19/event_hour=10/part-00000.parquet"
        stub = StubS3(keys + [sibling])
        S3Store(stub).delete_uris(["s3://bkt/" + k for k in keys])
        self.assertEqual([len(batch) for _, batch, _ in stub.deletes], [DELETE_BATCH, 200])
        self.assertEqual(stub.keys, {sibling})
        self.assertEqual(stub.listed, [])  # named objects only: nothing is listed, no prefix is deleted

    def test_delete_uris_of_nothing_sends_no_request(self):
        stub = StubS3(["a/b.parquet"])
        S3Store(stub).delete_uris([])
        self.assertEqual(stub.deletes, [])

    def test_delete_uris_names_the_objects_s3_refused_to_delete(self):
        stub = StubS3(["gold/x/a.parquet", "gold/x/b.parquet"], fail_keys=["gold/x/b.parquet"])
        with self.assertRaisesRegex(IOError, "s3://bkt/: 1 object.*gold/x/b.parquet: AccessDenied"):
            S3Store(stub).delete_uris(["s3://bkt/gold/x/a.parquet", "s3://bkt/gold/x/b.parquet"])

    def test_delete_uris_groups_the_keys_by_bucket(self):
        stub = StubS3(["x/1.parquet"])
        S3Store(stub).delete_uris(["s3://other/y/2.parquet", "s3://bkt/x/1.parquet", "s3://other/y/3.parquet"])
        self.assertEqual([(b, k) for b, k, _ in stub.deletes], [("bkt", ["x/1.parquet"]), ("other", ["y/2.parquet", "y/3.parquet"])])


if __name__ == "__main__":
    unittest.main()
