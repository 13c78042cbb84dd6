"""Recording stand-ins for the Glue/Spark/S3/CloudWatch surface etl/glue uses.

Spark and awsglue cannot be installed here, so these stand-ins do not execute SQL. They record
every call in one ordered timeline (`Recorder.events`) and return rows the test chooses:
`FakeSpark.view_rows[name]` is what the manifest step `name` "returns". Everything else is
simulated just far enough to be checked: partitioned appends add one new file per partition to
an in-memory lake of parquet objects (`FakeSpark.lake_files`, object URI -> rows) that
`FakeStorage` lists and deletes object by object, as S3 does; and binaryFile reads return the real bytes of the source objects, so decompression and
corrupt-file handling run for real.
"""
import re


class Recorder:
    def __init__(self):
        self.events = []

    def add(self, kind, **details):
        self.events.append((kind, details))

    def of(self, kind):
        return [d for k, d in self.events if k == kind]

    def index(self, kind, **match):
        for i, (k, d) in enumerate(self.events):
            if k == kind and all(d.get(key) == value for key, value in match.items()):
                return i
        raise AssertionError("no %s event matching %s" % (kind, match))


class FakeRow(dict):
    def asDict(self):
        return dict(self)


_AS = re.compile(r"^(.*)\s+AS\s+`?([A-Za-z_][A-Za-z0-9_]*)`?$", re.IGNORECASE | re.DOTALL)
_IDENT = re.compile(r"`([^`]+)`|\b([A-Za-z_][A-Za-z0-9_]*)\b")
_LPAD = re.compile(r"^LPAD\(.*`([^`]+)`.*,\s*(\d+),\s*'0'\)$", re.IGNORECASE)
_TS_LITERAL = re.compile(r"^CAST\('([^']*)' AS TIMESTAMP\)$", re.IGNORECASE)
_CAST_INT = re.compile(r"^CAST\(`([^`]+)` AS INT\)$", re.IGNORECASE)
_WHERE_EQ = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'([^']*)'\s*$")
_WHERE_BETWEEN = re.compile(r"^`([^`]+)` BETWEEN CAST\('([^']*)' AS [a-z]+\) AND CAST\('([^']*)' AS [a-z]+\)$")
_MIN_MAX = re.compile(r"^CAST\((min|max)\(`([^`]+)`\) AS STRING\) AS ([a-z]+)$")


def split_alias(expr):
    m = _AS.match(expr.strip())
    if m and not m.group(1).strip().upper().endswith("CAST("):
        return m.group(1).strip(), m.group(2)
    inner = expr.strip().strip("`")
    return expr.strip(), inner


def eval_expr(expr, row):
    """Evaluates the few expression shapes the engine emits (column refs, casts, LPAD, literals)."""
    body, _ = split_alias(expr)
    if body.lower() == "input_file_name()":
        return row["__file__"]
    m = _TS_LITERAL.match(body)
    if m:
        return m.group(1)
    m = _LPAD.match(body)
    if m:
        value = row.get(m.group(1))
        return None if value is None else str(int(str(value))).zfill(int(m.group(2)))
    m = _CAST_INT.match(body)
    if m:
        value = row.get(m.group(1))
        return None if value is None else int(str(value))
    for backticked, bare in _IDENT.findall(body):
        name = backticked or bare
        if name.upper() in ("CAST", "AS", "LPAD"):
            continue
        return row.get(name)
    raise AssertionError("stand-in cannot evaluate expression %r" % expr)


class FakeRDD:
    def __init__(self, rows):
        self.rows = list(rows)

    def flatMap(self, fn):
        out = []
        for row in self.rows:
            out.extend(fn(row))
        return FakeRDD(out)


def ddl_columns(ddl):
    """Column names of a DDL string such as "`a` string, `b` decimal(10,2)" or "kind STRING, ..."."""
    names, depth, current = [], 0, ""
    for ch in ddl + ",":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            names.append(current.strip().split()[0].strip("`"))
            current = ""
        else:
            current += ch
    return names


class FakeDataFrame:
    def __init__(self, spark, rows, label, columns=None, fail_collect=None):
        self.spark = spark
        self.rows = [FakeRow(r) for r in rows]
        self.label = label
        self.columns = list(columns) if columns is not None else (list(self.rows[0].keys()) if self.rows else [])
        self.fail_collect = fail_collect
        self.from_sql = False

    def _derive(self, rows, label, columns=None):
        return FakeDataFrame(self.spark, rows, label, columns, self.fail_collect)

    def createOrReplaceTempView(self, name):
        df = self
        if self.from_sql:
            # The stand-in runs no SQL: the test decides what each step returns.
            rows = self.spark.view_rows.get(name, [])
            df = FakeDataFrame(self.spark, rows, "sql:" + name)
        self.spark.views[name] = df
        self.spark.recorder.add("view", name=name, label=self.label)

    def selectExpr(self, *exprs):
        self.spark.recorder.add("selectExpr", label=self.label, exprs=list(exprs))
        aggregates = [_MIN_MAX.match(e) for e in exprs]
        if all(aggregates):
            # One row of text bounds, compared as text (the stand-in's timestamps are ISO strings);
            # Spark's own text round trip of the bounds runs in the Spark engine tests, not here.
            row = {}
            for m in aggregates:
                values = [str(r[m.group(2)]) for r in self.rows if r.get(m.group(2)) is not None]
                row[m.group(3)] = (min if m.group(1) == "min" else max)(values) if values else None
            return self._derive([row], self.label, list(row))
        names = [split_alias(e)[1] for e in exprs]
        rows = [{n: eval_expr(e, r) for n, e in zip(names, exprs)} for r in self.rows]
        return self._derive(rows, self.label, names)

    def select(self, *cols):
        return self.selectExpr(*["`%s`" % c for c in cols])

    def where(self, condition):
        self.spark.recorder.add("where", label=self.label, condition=condition)
        if condition == "false":
            return self._derive([], self.label, self.columns)
        m = _WHERE_BETWEEN.match(condition)
        if m:
            rows = [r for r in self.rows if r.get(m.group(1)) is not None and m.group(2) <= str(r[m.group(1)]) <= m.group(3)]
            return self._derive(rows, self.label, self.columns)
        m = _WHERE_EQ.match(condition)
        if not m:
            raise AssertionError("stand-in cannot evaluate condition %r" % condition)
        return self._derive([r for r in self.rows if r.get(m.group(1)) == m.group(2)], self.label, self.columns)

    filter = where

    def distinct(self):
        seen, rows = set(), []
        for r in self.rows:
            key = tuple(sorted(r.items()))
            if key not in seen:
                seen.add(key)
                rows.append(r)
        return self._derive(rows, self.label, self.columns)

    def repartition(self, *cols):
        return self

    def unionByName(self, other):
        if sorted(self.columns) != sorted(other.columns):
            raise AssertionError("unionByName of different columns: %s and %s" % (self.columns, other.columns))
        self.spark.recorder.add("unionByName", labels=[self.label, other.label])
        return self._derive(self.rows + [{c: r.get(c) for c in self.columns} for r in other.rows], self.label, self.columns)

    def cache(self):
        self.spark.recorder.add("cache", label=self.label)
        return self

    def localCheckpoint(self, eager=True):
        self.spark.recorder.add("localCheckpoint", label=self.label, eager=eager)
        return self

    def unpersist(self):
        self.spark.recorder.add("unpersist", label=self.label)
        return self

    def collect(self):
        if self.fail_collect:
            raise self.fail_collect
        return [FakeRow(r) for r in self.rows]

    def count(self):
        return len(self.collect())

    @property
    def rdd(self):
        return FakeRDD(self.rows)

    @property
    def write(self):
        return FakeWriter(self)


class FakeWriter:
    def __init__(self, df):
        self.df = df
        self._mode = None
        self._options = {}
        self._partition_by = []

    def mode(self, mode):
        self._mode = mode
        return self

    def option(self, key, value):
        self._options[key] = value
        return self

    def partitionBy(self, *cols):
        self._partition_by = list(cols)
        return self

    def parquet(self, path):
        spark = self.df.spark
        partitions = sorted({tuple(str(r[c]) for c in self._partition_by) for r in self.df.rows}) if self._partition_by else []
        spark.write_count += 1
        # Spark names every file it writes uniquely per write, so an append never replaces a file.
        files = {p: "%s/%s/part-00000-w%d.c000.%s.parquet" % (
            path.rstrip("/"), "/".join("%s=%s" % kv for kv in zip(self._partition_by, p)), spark.write_count,
            self._options.get("compression", "snappy"))
            for p in partitions}
        for prefix in spark.fail_write_prefixes:
            if path.startswith(prefix):
                # What a task failure mid-write leaves: the files of the partitions already
                # committed, and the writer's scratch folder.
                landed = [files[p] for p in partitions[: spark.partitions_landed_before_failure]]
                for uri in landed:
                    spark.lake_files[uri] = self._rows_of(partition_of(uri, self._partition_by))
                spark.lake_files[path.rstrip("/") + "/_temporary/0/task-00000.parquet"] = []
                spark.recorder.add("write_failed", path=path, landed=landed)
                raise RuntimeError("injected write failure at %s" % path)
        spark.recorder.add(
            "write", path=path, mode=self._mode, options=dict(self._options),
            partition_by=list(self._partition_by), partitions=partitions, rows=len(self.df.rows),
            files=sorted(files.values()),
        )
        if not self._partition_by:
            raise AssertionError("stand-in writes partitioned tables only, got an unpartitioned write to %s" % path)
        for p, uri in files.items():
            spark.lake_files[uri] = self._rows_of(p)

    def _rows_of(self, values):
        return [dict(r) for r in self.df.rows if tuple(str(r[c]) for c in self._partition_by) == tuple(values)]


def partition_of(file_uri, keys):
    """Partition values of a lake file URI, in the order of `keys`."""
    segments = dict(seg.split("=", 1) for seg in file_uri.split("/") if "=" in seg)
    return tuple(segments[k] for k in keys)


class FakeReader:
    def __init__(self, spark):
        self.spark = spark
        self._format = None
        self._schema = None
        self._options = {}

    def format(self, fmt):
        self._format = fmt
        return self

    def schema(self, ddl):
        self._schema = ddl
        return self

    def option(self, key, value):
        self._options[key] = value
        return self

    def load(self, paths):
        paths = [paths] if isinstance(paths, str) else list(paths)
        self.spark.recorder.add("read_binary", format=self._format, paths=paths)
        rows = [{"path": p, "content": bytearray(self.spark.source_objects[p])} for p in paths]
        return FakeDataFrame(self.spark, rows, "binaryFile", ["path", "modificationTime", "length", "content"])

    def parquet(self, *paths):
        self.spark.recorder.add("read_parquet", paths=list(paths), schema=self._schema, options=dict(self._options))
        rows = []
        for p in paths:
            for uri, frows in sorted(self.spark.lake_files.items()):
                # Spark skips names starting with "_" (the writer's _temporary scratch).
                if uri.startswith(p) and "/_" not in uri[len(p):]:
                    rows.extend(frows)
        return FakeDataFrame(self.spark, rows, "parquet:" + ",".join(paths), ddl_columns(self._schema) if self._schema else None)


class FakeConf:
    def __init__(self, recorder):
        self.recorder = recorder
        self.values = {}

    def set(self, key, value):
        self.values[key] = value
        self.recorder.add("conf", key=key, value=value)


class FakeSpark:
    def __init__(self, recorder):
        self.recorder = recorder
        self.conf = FakeConf(recorder)
        self.views = {}
        self.view_rows = {}
        self.lake_files = {}  # parquet object URI in the lake -> its rows
        self.write_count = 0
        self.source_objects = {}  # s3 URI -> bytes
        self.fail_write_prefixes = []  # a write to a path under one of these fails
        self.partitions_landed_before_failure = 0  # partitions whose files a failing write leaves

    def lake_folders(self):
        """Partition folder URIs (ending in /) that hold at least one lake file."""
        return sorted({uri.rsplit("/", 1)[0] + "/" for uri in self.lake_files})

    def files_in(self, folder):
        return sorted(uri for uri in self.lake_files if uri.startswith(folder))

    def sql(self, text):
        self.recorder.add("sql", text=text)
        df = FakeDataFrame(self, [], "sql")
        df.from_sql = True
        return df

    def table(self, name):
        if name not in self.views:
            raise AssertionError("Table or view not found: %s" % name)
        return self.views[name]

    def createDataFrame(self, data, schema):
        columns = ddl_columns(schema)
        items = data.rows if isinstance(data, FakeRDD) else list(data)
        rows = [dict(zip(columns, item)) for item in items]
        self.recorder.add("createDataFrame", schema=schema, rows=len(rows))
        return FakeDataFrame(self, rows, "created", columns)

    @property
    def read(self):
        return FakeReader(self)


class FakeDynamicFrame:
    def __init__(self, spark, uris, fail):
        self.spark = spark
        self.uris = uris
        self.fail = fail

    def toDF(self):
        return FakeDataFrame(self.spark, [{"__file__": u} for u in self.uris], "dynamic_frame", ["col0"], self.fail)


class FakeGlueContext:
    def __init__(self, spark, recorder):
        self.spark = spark
        self.recorder = recorder
        self.bookmark_new = []  # what the bookmark would select this run
        self.bookmark_error = None  # exception the bookmarked read raises when collected
        outer = self

        class _Creator:
            def from_options(self, connection_type, connection_options, format=None, format_options=None, transformation_ctx=""):
                outer.recorder.add(
                    "from_options", connection_type=connection_type, connection_options=connection_options,
                    format=format, format_options=format_options, transformation_ctx=transformation_ctx,
                )
                return FakeDynamicFrame(outer.spark, list(outer.bookmark_new), outer.bookmark_error)

        self.create_dynamic_frame = _Creator()


class FakeJob:
    def __init__(self, recorder):
        self.recorder = recorder

    def init(self, name, args):
        self.recorder.add("job.init", name=name, args=dict(args))

    def commit(self):
        self.recorder.add("job.commit")


class FakeStorage:
    """S3 as seen by the job: etl files and journal objects (text), source objects and the lake's
    parquet objects, listed and deleted object by object."""

    def __init__(self, spark, recorder, texts):
        self.spark = spark
        self.recorder = recorder
        self.texts = dict(texts)
        # delete_uris of a list with an object under this prefix fails before deleting any
        # (a run that dies between its write and the deletion of the replaced files).
        self.fail_delete_under = None

    def read_text(self, uri):
        self.recorder.add("read_text", uri=uri)
        if uri not in self.texts:
            raise FileNotFoundError("NoSuchKey: %s" % uri)
        return self.texts[uri]

    def write_text(self, uri, text):
        self.recorder.add("write_text", uri=uri, text=text)
        self.texts[uri] = text

    def _objects(self):
        return list(self.spark.source_objects) + list(self.spark.lake_files) + list(self.texts)

    def exists(self, prefix):
        found = any(k.startswith(prefix) for k in self._objects())
        self.recorder.add("exists", uri=prefix, found=found)
        return found

    def list_uris(self, prefix):
        self.recorder.add("list", uri=prefix)
        for uri in sorted(self._objects()):
            if uri.startswith(prefix):
                yield uri

    def delete_uris(self, uris):
        uris = list(uris)
        if self.fail_delete_under is not None and any(u.startswith(self.fail_delete_under) for u in uris):
            self.recorder.add("delete_failed", uris=uris)
            raise IOError("injected delete failure under %s" % self.fail_delete_under)
        self.recorder.add("delete_uris", uris=uris)
        for uri in uris:  # as on S3, deleting a missing object is no error
            self.spark.lake_files.pop(uri, None)
            self.texts.pop(uri, None)

    def delete_prefix(self, prefix):
        """Deletes every object under the folder prefix, as S3Store.delete_prefix does."""
        folder = prefix.rstrip("/") + "/"
        gone = sorted(uri for uri in list(self.spark.lake_files) + list(self.texts) if uri.startswith(folder))
        for uri in gone:
            self.spark.lake_files.pop(uri, None)
            self.texts.pop(uri, None)
        self.recorder.add("delete_prefix", uri=prefix, uris=gone)
        return len(gone)


class FakeCloudWatch:
    def __init__(self, recorder, fail=None):
        self.recorder = recorder
        self.fail = fail

    def put_metric_data(self, Namespace, MetricData):
        if self.fail:
            raise self.fail
        self.recorder.add("put_metric_data", namespace=Namespace, data=MetricData)


class FakeClock:
    def __init__(self, now):
        self._now = now
        self._tick = 0.0

    def now(self):
        return self._now

    def monotonic(self):
        self._tick += 0.5
        return self._tick


def fake_get_resolved_options(argv, names):
    """getResolvedOptions for "--name value" and "--name=value" pairs (what Glue passes)."""
    values = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            key, eq, value = arg[2:].partition("=")
            if not eq and i + 1 < len(argv):
                value = argv[i + 1]
                i += 1
            values[key] = value
        i += 1
    missing = [n for n in names if n not in values]
    if missing:
        raise SystemExit("the following arguments are required: %s" % ", ".join("--" + n for n in missing))
    return {n: values[n] for n in names}
