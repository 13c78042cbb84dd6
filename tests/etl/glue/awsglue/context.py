"""GlueContext of awsglue.context over a local SparkSession (test stand-in; see
awsglue/__init__.py for the Glue behaviours it reproduces)."""
from pyspark.sql import SparkSession

from awsglue.dynamicframe import DynamicFrame


def _hidden(name):
    # Spark's file sources skip these names too (markers such as _SUCCESS, .crc files).
    return name.startswith("_") or name.startswith(".")


class DynamicFrameReader:
    def __init__(self, glue_context):
        self._glue_context = glue_context

    def from_options(self, connection_type, connection_options=None, format=None, format_options=None,
                     transformation_ctx="", **_kwargs):
        if connection_type != "s3":
            raise NotImplementedError("awsglue stand-in: connection_type '%s' (only s3)" % connection_type)
        options = dict(connection_options or {})
        objects = self._glue_context.list_objects(options.get("paths") or [], bool(options.get("recurse")))
        bookmark = self._glue_context.bookmark
        if bookmark is not None and transformation_ctx:
            objects = bookmark.select(transformation_ctx, objects)
        df = self._glue_context.read_files([uri for uri, _mtime in objects], format, dict(format_options or {}))
        return DynamicFrame(df, self._glue_context, transformation_ctx)


class GlueContext:
    def __init__(self, spark_context, **_options):
        self._sc = spark_context
        self.spark_session = SparkSession(spark_context)
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.bookmark = None

    def attach_bookmark(self, bookmark):
        self.bookmark = bookmark

    def list_objects(self, paths, recurse):
        """(uri, last-modified ms) of every object under the paths, through the Hadoop file system
        Spark itself uses for the scheme (S3A for s3:// here)."""
        jvm = self._sc._jvm
        conf = self._sc._jsc.hadoopConfiguration()
        found = {}
        for path in paths:
            root = jvm.org.apache.hadoop.fs.Path(path)
            files = root.getFileSystem(conf).listFiles(root, recurse)
            while files.hasNext():
                status = files.next()
                uri = status.getPath().toString()
                if not _hidden(status.getPath().getName()):
                    found[uri] = status.getModificationTime()
        return sorted(found.items())

    def read_files(self, uris, format, format_options):
        """A DataFrame over exactly these objects (a file scan, so input_file_name() is set)."""
        spark = self.spark_session
        if not uris:
            return spark.createDataFrame([], "col0 STRING")
        if format == "csv":
            quote = format_options.get("quoteChar", '"')
            reader = (
                spark.read.option("sep", format_options.get("separator", ","))
                # Glue's quoteChar -1 turns quoting off; Spark's is an empty quote option.
                .option("quote", "" if quote == -1 else quote)
                .option("header", str(bool(format_options.get("withHeader", False))).lower())
            )
            df = reader.csv(list(uris))
            return df.toDF(*["col%d" % i for i in range(len(df.columns))])
        if format == "json":
            return spark.read.json(list(uris))
        raise NotImplementedError("awsglue stand-in: format '%s' (csv or json)" % format)
