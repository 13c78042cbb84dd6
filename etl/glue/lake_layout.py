"""Where and how lake tables are stored, derived only from tables.json.

tables.json is rendered by tablesDocument() in etl/schema.ts, the single source of truth for
every table. This module never names a column or a table location itself: it turns that
document into Spark DDL, partition paths and the projection that puts a DataFrame's columns in
the physical order with the partition values spelled the way the Glue tables expect.
"""
import datetime


class LayoutError(ValueError):
    """tables.json or a partition value does not match what the schema module promises."""


class TableLayout:
    """One lake table as tables.json describes it."""

    def __init__(self, doc):
        self.id = doc["id"]
        self.location = doc["location"].strip("/")
        self.format = doc["format"]
        self.columns = [dict(c) for c in doc["columns"]]
        self.partition_keys = [dict(k) for k in doc["partitionKeys"]]

    @property
    def partition_key_names(self):
        return [k["name"] for k in self.partition_keys]

    def all_columns(self):
        """File columns then partition keys: the order Spark returns a partitioned read in."""
        return self.columns + self.partition_keys

    def base_uri(self, lake_path):
        return join_uri(lake_path, self.location)

    def ddl(self):
        """Spark DDL schema string of every column, e.g. "`a` string, `b` decimal(10,2)"."""
        return ", ".join("`%s` %s" % (c["name"], c["type"]) for c in self.all_columns())

    def key(self, name):
        for k in self.partition_keys:
            if k["name"] == name:
                return k
        raise LayoutError("table %s has no partition key '%s'; expected one of %s" % (self.id, name, ", ".join(self.partition_key_names)))

    def partition_uri(self, lake_path, values):
        """URI of the partition folder for the given key values (a prefix of the keys is allowed)."""
        segments = ["%s=%s" % (name, format_partition_value(self.key(name), value)) for name, value in values]
        return join_uri(self.base_uri(lake_path), *segments) + "/"

    def write_projection(self):
        """selectExpr list that orders columns as tables.json does and spells partition values
        exactly as the Glue tables' partition projection expects (padded strings stay padded,
        event_hour is an unpadded int, event_date a date)."""
        exprs = ["CAST(`%s` AS %s) AS `%s`" % (c["name"], c["type"], c["name"]) for c in self.columns]
        exprs += [partition_value_expr(k) for k in self.partition_keys]
        return exprs

    def read_projection(self):
        """selectExpr list applied after reading parquet: every column cast to its schema type."""
        return ["CAST(`%s` AS %s) AS `%s`" % (c["name"], c["type"], c["name"]) for c in self.all_columns()]


def partition_value_expr(key):
    """Spark SQL expression rendering one partition key in its path format."""
    fmt = key["format"]
    name = key["name"]
    if fmt["kind"] == "padded":
        return "LPAD(CAST(CAST(`%s` AS INT) AS STRING), %d, '0') AS `%s`" % (name, fmt["digits"], name)
    if fmt["kind"] == "calendar_year":
        return "CAST(CAST(`%s` AS INT) AS STRING) AS `%s`" % (name, name)
    if fmt["kind"] == "integer":
        return "CAST(`%s` AS INT) AS `%s`" % (name, name)
    if fmt["kind"] == "date":
        return "CAST(`%s` AS DATE) AS `%s`" % (name, name)
    raise LayoutError("partition key %s: unknown format kind '%s'" % (name, fmt["kind"]))


def format_partition_value(key, value):
    """Python twin of formatPartitionValue in etl/schema.ts: the text of a path segment value."""
    fmt = key["format"]
    name = key["name"]
    if fmt["kind"] == "date":
        text = value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else str(value)
        if len(text) < 10 or not (text[:4].isdigit() and text[4] == "-" and text[5:7].isdigit() and text[7] == "-" and text[8:10].isdigit()):
            raise LayoutError("partition %s: expected a yyyy-MM-dd date, got '%s'" % (name, text))
        return text[:10]
    upper = 9999 if fmt["kind"] == "calendar_year" else fmt["max"]  # a year has no upper bound but its 4 digits
    try:
        number = int(str(value), 10)
    except ValueError:
        raise LayoutError("partition %s: expected an integer in %s..%s, got '%s'" % (name, fmt["min"], upper, value))
    if number < fmt["min"] or number > upper:
        raise LayoutError("partition %s: expected an integer in %s..%s, got '%s'" % (name, fmt["min"], upper, value))
    if fmt["kind"] == "padded":
        return str(number).zfill(fmt["digits"])
    return str(number)


def join_uri(base, *parts):
    """Joins URI parts with exactly one slash between them."""
    text = base.rstrip("/")
    for part in parts:
        text += "/" + str(part).strip("/")
    return text


def load_tables(document):
    """Table layouts by id from the parsed tables.json document."""
    tables = document.get("tables") if isinstance(document, dict) else None
    if not isinstance(tables, list) or not tables:
        raise LayoutError("tables.json: expected an object with a non-empty 'tables' array")
    layouts = {}
    for doc in tables:
        for field in ("id", "location", "format", "columns", "partitionKeys"):
            if field not in doc:
                raise LayoutError("tables.json: table %s has no '%s'" % (doc.get("id", "?"), field))
        layouts[doc["id"]] = TableLayout(doc)
    return layouts
