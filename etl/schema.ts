/**
 * The single source of truth for every table of the lakehouse.
 *
 * Glue tables (components/), local DuckDB DDL (etl/local/), the validation checks and the
 * data dictionary (docs/data-dictionary.md) are all derived from the definitions below: no other file writes a
 * column list by hand. Column order here is the physical column order of the written files.
 */

/** Logical column types, written in Spark/Hive spelling (also what Glue's catalog stores). */
export type LogicalType = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp' | `decimal(${number},${number})`;

export interface ColumnDef {
  readonly name: string;
  readonly type: LogicalType;
  readonly nullable: boolean;
  readonly description: string;
  /**
   * Key of the JSON document this column is read from, when it differs from `name`
   * (the source's `timestamp` key is a reserved word, so no table names a column after it).
   */
  readonly sourceKey?: string;
}

/** How a partition value is written in a path segment `name=value`. */
export type PartitionFormat =
  /** ISO date `yyyy-MM-dd`, e.g. event_date=2025-11-19. */
  | { readonly kind: 'date' }
  /** A decimal integer without padding (Spark's and DuckDB's rendering of an int), e.g. event_hour=5. */
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  /** A zero-padded integer as the source paths spell it, e.g. month=03. */
  | { readonly kind: 'padded'; readonly digits: number; readonly min: number; readonly max: number }
  /** A four-digit year from `min` on, with no upper bound (year=2025). */
  | { readonly kind: 'calendar_year'; readonly min: number };

/**
 * The first year the lake holds. Athena's partition projection enumerates every value from here
 * to now for a query without a partition filter, so the later this is, the cheaper such queries
 * (and the validation checks) are. Events before it are quarantined as out_of_range
 * (etl/sql/01_parsed.sql spells the same date) and source paths before it are left out.
 */
export const LAKE_START_YEAR = 2024;

export interface PartitionKeyDef extends ColumnDef {
  readonly format: PartitionFormat;
  /**
   * false: a path level the catalog does not declare as a partition; Athena reads its folders
   * as part of the partition above (a table's location covers its sub-folders).
   * @default true
   */
  readonly catalogPartition?: boolean;
}

/** The medallion layer a table belongs to; `raw` is the source bucket as the generator wrote it. */
export type Layer = 'raw' | 'bronze' | 'silver' | 'quarantine' | 'gold';

/** The Glue database (per stack: `<database>_<studentId>`) a table is registered in. */
export type DatabaseLayer = 'bronze' | 'silver' | 'gold';

export interface TableDef {
  /** Stable reference used by the manifest, checks and components, e.g. `silver.events`. */
  readonly id: string;
  readonly layer: Layer;
  /** Glue database (without the per-stack suffix). */
  readonly database: DatabaseLayer;
  /** Glue table name: lowercase, underscores only. */
  readonly name: string;
  /**
   * Location relative to the bucket root (`raw`: the source bucket; others: the analytics
   * bucket) and, identically, to the local lake folder.
   */
  readonly location: string;
  readonly format: 'jsonl.gz' | 'parquet';
  readonly description: string;
  readonly columns: readonly ColumnDef[];
  /** Hive-style partition keys in path order. */
  readonly partitionKeys: readonly PartitionKeyDef[];
}

// ---------------------------------------------------------------------------------------------
// Shared column and partition definitions
// ---------------------------------------------------------------------------------------------

const col = (name: string, type: LogicalType, nullable: boolean, description: string): ColumnDef => ({
  name,
  type,
  nullable,
  description,
});

/** The five event types the source contract allows (lowercase only). */
export const EVENT_TYPES = ['page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The six product categories; products p_<c>001..p_<c>005 belong to category number c (1-based). */
export const CATEGORIES = ['electronics', 'clothing', 'home', 'books', 'sports', 'toys'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Category value the gold layer uses for events that carry none (searches). */
export const NO_CATEGORY = '(none)';

/** Lineage: the source object a row came from, as `events/year=.../events-....jsonl.gz`. */
const sourceFile = col('source_file', 'string', false, 'Key of the source object (relative to the source bucket) the record was read from.');
const ingestedAt = col('ingested_at', 'timestamp', false, 'UTC time the batch that read the record started.');

/** Source-path partitions: year/month/day/hour as the generator writes them (zero-padded). */
const pathPartitions = (description: string): PartitionKeyDef[] => [
  { ...col('year', 'string', false, `Year of ${description}.`), format: { kind: 'calendar_year', min: LAKE_START_YEAR } },
  { ...col('month', 'string', false, `Month (01-12) of ${description}.`), format: { kind: 'padded', digits: 2, min: 1, max: 12 } },
  { ...col('day', 'string', false, `Day of month (01-31) of ${description}.`), format: { kind: 'padded', digits: 2, min: 1, max: 31 } },
  { ...col('hour', 'string', false, `Hour (00-23) of ${description}.`), format: { kind: 'padded', digits: 2, min: 0, max: 23 } },
];

const eventDate: PartitionKeyDef = {
  ...col('event_date', 'date', false, 'UTC calendar date of the event time.'),
  format: { kind: 'date' },
};
const eventHourPartition: PartitionKeyDef = {
  ...col('event_hour', 'int', false, 'UTC hour (0-23) of the event time.'),
  format: { kind: 'integer', min: 0, max: 23 },
};

/** The nine source fields exactly as they landed, as text (typing is silver's job). */
const landedFields = (where: string): ColumnDef[] => [
  { ...col('event_timestamp', 'string', true, `\`timestamp\` ${where}: ISO-8601, with a Z or +hh:mm offset or none.`), sourceKey: 'timestamp' },
  col('user_id', 'string', true, `\`user_id\` ${where} (u_10000..u_99999).`),
  col('session_id', 'string', true, `\`session_id\` ${where} (s_10000..s_99999).`),
  col('event_type', 'string', true, `\`event_type\` ${where}.`),
  col('product_id', 'string', true, `\`product_id\` ${where} (p_1001..p_6005; null for search).`),
  col('quantity', 'string', true, `\`quantity\` ${where} (1-5 for cart and purchase events).`),
  col('price', 'string', true, `\`price\` ${where} (9.99-299.99 for cart and purchase events).`),
  col('category', 'string', true, `\`category\` ${where} (null for search).`),
  col('search_query', 'string', true, `\`search_query\` ${where} (search events only).`),
];

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

export const rawEvents: TableDef = {
  id: 'raw.events',
  layer: 'raw',
  database: 'bronze',
  name: 'raw_events',
  location: 'events',
  format: 'jsonl.gz',
  description:
    'The source bucket as the generator wrote it: gzipped JSON Lines, one file per 5-minute invocation. ' +
    'Read-only view for ad-hoc inspection; malformed lines are skipped by the SerDe here and quarantined by the ETL.',
  columns: landedFields('as written by the generator'),
  partitionKeys: [
    ...pathPartitions('the time the file was written'),
    // Not a catalog partition: projected with the four keys above, minute would make a query
    // without a filter enumerate over a million partitions (12 x 31 x 24 x 60 per year).
    {
      ...col('minute', 'string', false, 'Minute (00-59) the file was written.'),
      format: { kind: 'padded', digits: 2, min: 0, max: 59 },
      catalogPartition: false,
    },
  ],
};

export const bronzeEvents: TableDef = {
  id: 'bronze.events',
  layer: 'bronze',
  database: 'bronze',
  name: 'events',
  location: 'bronze/events',
  format: 'parquet',
  description:
    'Every line that parsed as a JSON object, its nine fields as landed (text), plus lineage. ' +
    'Partitioned by the source path time, so a file lands in exactly one partition.',
  columns: [...landedFields('as landed'), sourceFile, ingestedAt],
  partitionKeys: pathPartitions('the source path'),
};

export const bronzeFileLedger: TableDef = {
  id: 'bronze.file_ledger',
  layer: 'bronze',
  database: 'bronze',
  name: 'file_ledger',
  location: 'bronze/file_ledger',
  format: 'parquet',
  description:
    'One row per processed source file with its reconciliation figures: ' +
    'lines_read = silver_rows_added + duplicates_dropped + records_quarantined. Reprocessing a file replaces its row.',
  columns: [
    sourceFile,
    ingestedAt,
    col('lines_read', 'bigint', false, 'Non-blank lines in the file (0 for a corrupt file).'),
    col('bronze_rows', 'bigint', false, 'Lines that parsed as a JSON object.'),
    col('silver_rows_added', 'bigint', false, 'Valid records of this file kept in silver.'),
    col('duplicates_dropped', 'bigint', false, 'Valid records dropped because an identical event was already kept.'),
    col('records_quarantined', 'bigint', false, 'Lines rejected to quarantine (a corrupt file counts 0 lines and 1 quarantine entry).'),
    col('corrupt', 'boolean', false, 'True when the file could not be decompressed or read.'),
  ],
  partitionKeys: pathPartitions('the source path'),
};

export const silverEvents: TableDef = {
  id: 'silver.events',
  layer: 'silver',
  database: 'silver',
  name: 'events',
  location: 'silver/events',
  format: 'parquet',
  description:
    'Parsed, validated, deduplicated events (two records are one event when all nine fields are equal: ' +
    'the time to the millisecond, numbers by value, null equal to null). Partitioned by EVENT time (UTC), ' +
    'not by the path time, so events near an hour boundary land in their own hour.',
  columns: [
    col('event_ts', 'timestamp', false, 'Event time in UTC (source offsets honoured; no offset means UTC).'),
    col('user_id', 'string', false, 'User id.'),
    col('session_id', 'string', false, 'Session id (independent of the user).'),
    col('event_type', 'string', false, 'One of page_view, add_to_cart, remove_from_cart, purchase, search.'),
    col('product_id', 'string', true, 'Product id; null for search.'),
    col('quantity', 'int', true, 'Units, 1 or more; cart and purchase events only.'),
    col('price', 'decimal(10,2)', true, 'Unit price; cart and purchase events only.'),
    col('category', 'string', true, 'Product category; null for search.'),
    col('search_query', 'string', true, 'Search text; search events only.'),
    col('revenue', 'decimal(12,2)', true, 'price x quantity for purchases, else null.'),
    sourceFile,
    ingestedAt,
  ],
  partitionKeys: [eventDate, eventHourPartition],
};

export const quarantineEvents: TableDef = {
  id: 'quarantine.events',
  layer: 'quarantine',
  database: 'silver',
  name: 'quarantine_events',
  location: 'quarantine/events',
  format: 'parquet',
  description:
    'Every rejected record with its reason (malformed_json, missing_field, unknown_event_type, bad_type, ' +
    'bad_timestamp, out_of_range) and every unreadable file (corrupt_file). Nothing is silently dropped.',
  columns: [
    col('raw_line', 'string', true, 'The line exactly as read; null for a corrupt_file entry.'),
    col('reason', 'string', false, 'Why the record was rejected.'),
    col('detail', 'string', true, 'Which field failed, or the read error of a corrupt file.'),
    sourceFile,
    ingestedAt,
  ],
  partitionKeys: pathPartitions('the source path'),
};

const goldTable = (name: string, description: string, columns: ColumnDef[]): TableDef => ({
  id: `gold.${name}`,
  layer: 'gold',
  database: 'gold',
  name,
  location: `gold/${name}`,
  format: 'parquet',
  description,
  columns,
  partitionKeys: [eventDate],
});

const count = (name: string, what: string) => col(name, 'bigint', false, `Number of ${what}.`);

export const goldProductFunnel = goldTable('product_funnel', 'Per product and day: views, add-to-carts and purchases (conversion funnel).', [
  col('product_id', 'string', false, 'Product id.'),
  col('category', 'string', false, 'Product category.'),
  count('views', 'page_view events'),
  count('add_to_carts', 'add_to_cart events'),
  count('purchases', 'purchase events'),
]);

export const goldHourlyRevenue = goldTable('hourly_revenue', 'Per day and UTC hour: purchase revenue, purchases and units sold.', [
  col('event_hour', 'int', false, 'UTC hour (0-23).'),
  col('revenue', 'decimal(18,2)', false, 'Sum of price x quantity of purchases.'),
  count('purchases', 'purchase events'),
  count('units', 'units purchased'),
]);

export const goldProductViews = goldTable('product_views', 'Per product and day: page views (top viewed products).', [
  col('product_id', 'string', false, 'Product id.'),
  col('category', 'string', false, 'Product category.'),
  count('views', 'page_view events'),
]);

export const goldCategoryDaily = goldTable(
  'category_daily',
  `Per category and day: events by type. Searches carry no category and count under '${NO_CATEGORY}', so a day's categories add up to all its events.`,
  [
    col('category', 'string', false, `Product category, or '${NO_CATEGORY}' for searches.`),
    count('events', 'events'),
    count('page_views', 'page_view events'),
    count('add_to_carts', 'add_to_cart events'),
    count('remove_from_carts', 'remove_from_cart events'),
    count('purchases', 'purchase events'),
    count('searches', 'search events'),
  ],
);

export const goldUserActivity = goldTable(
  'user_activity',
  "Per day: distinct users and sessions (counted over the day's distinct ids, never added across batches) and events.",
  [count('unique_users', 'distinct user_id'), count('unique_sessions', 'distinct session_id'), count('events', 'events')],
);

export const GOLD_TABLES: readonly TableDef[] = [goldProductFunnel, goldHourlyRevenue, goldProductViews, goldCategoryDaily, goldUserActivity];

const hourlyGoldTable = (name: string, description: string, columns: ColumnDef[]): TableDef => ({
  ...goldTable(name, description, columns),
  partitionKeys: [eventDate, eventHourPartition],
});

/*
 * The building blocks the daily gold tables are computed from. A batch adds the records it
 * added to silver into the blocks of their hours (the hourly counts, and those hours' bits of the
 * day's distinct ids; an hour rewritten for files processed again is recomputed from silver),
 * then computes each changed day from them, so the work of a batch does not grow with the
 * events the hour or the day already holds.
 */
export const goldHourlyEventCounts = hourlyGoldTable(
  'hourly_event_counts',
  'Per UTC hour, event type, product and category: events, units and revenue. The additive building block every daily gold table is summed from.',
  [
    col('event_type', 'string', false, 'Event type.'),
    col('product_id', 'string', true, 'Product id; null for search.'),
    col('category', 'string', true, 'Product category; null for search.'),
    count('events', 'events'),
    col('units', 'bigint', true, 'Sum of quantity (cart and purchase events; null for the others).'),
    col('revenue', 'decimal(18,2)', true, 'Sum of price x quantity (purchases; null for the others).'),
  ],
);

export const goldDailyDistinctIds = goldTable(
  'daily_distinct_ids',
  "Per UTC day: every distinct user_id and every distinct session_id with an event that day, one per row, with the day's hours it has events in. A day's distinct users and sessions are counted over its rows.",
  [
    col('user_id', 'string', true, 'A user id seen that day (null on a session row).'),
    col('session_id', 'string', true, 'A session id seen that day (null on a user row).'),
    col('hours', 'int', false, 'The UTC hours of the day the id has events in, as a bitmask: bit h (value 2^h) is hour h.'),
  ],
);

export const GOLD_BUILDING_BLOCKS: readonly TableDef[] = [goldHourlyEventCounts, goldDailyDistinctIds];

/** Every table, in data-flow order. */
export const TABLES: readonly TableDef[] = [rawEvents, bronzeEvents, bronzeFileLedger, quarantineEvents, silverEvents, ...GOLD_BUILDING_BLOCKS, ...GOLD_TABLES];

/** Tables the ETL writes (everything but the raw source). */
export const LAKE_TABLES: readonly TableDef[] = TABLES.filter((t) => t.layer !== 'raw');

export function tableById(id: string): TableDef {
  const table = TABLES.find((t) => t.id === id);
  if (!table) throw new Error(`unknown table '${id}': expected one of ${TABLES.map((t) => t.id).join(', ')}`);
  return table;
}

/** Every column including the partition keys, in file-then-path order. */
export function allColumns(table: TableDef): readonly ColumnDef[] {
  return [...table.columns, ...table.partitionKeys];
}

// ---------------------------------------------------------------------------------------------
// Type mappings and path rendering
// ---------------------------------------------------------------------------------------------

/** DuckDB spelling of a logical type. */
export function duckDbType(type: LogicalType): string {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    default:
      return type.toUpperCase(); // decimal(p,s)
  }
}

/**
 * The DuckDB type a column is written to Parquet as. Timestamps are instants (UTC), so they are
 * written as TIMESTAMPTZ: INT64 microseconds adjusted to UTC, exactly what Spark writes for its
 * TIMESTAMP type (etl/glue sets spark.sql.parquet.outputTimestampType to TIMESTAMP_MICROS).
 */
export function duckDbParquetType(type: LogicalType): string {
  return type === 'timestamp' ? 'TIMESTAMPTZ' : duckDbType(type);
}

/** Glue/Hive catalog spelling of a logical type (the schema's own spelling). */
export function glueType(type: LogicalType): string {
  return type;
}

/** Renders one partition value as the writers put it in a path segment. */
export function formatPartitionValue(key: PartitionKeyDef, value: string | number | Date): string {
  const fmt = key.format;
  if (fmt.kind === 'date') {
    const iso = value instanceof Date ? value.toISOString() : String(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(iso)) throw new Error(`partition ${key.name}: expected a yyyy-MM-dd date, got '${iso}'`);
    return iso.slice(0, 10);
  }
  const n = Number(value);
  const max = fmt.kind === 'calendar_year' ? 9999 : fmt.max;
  if (!Number.isInteger(n) || n < fmt.min || n > max) {
    throw new Error(`partition ${key.name}: expected an integer in ${fmt.min}..${max}, got '${String(value)}'`);
  }
  if (fmt.kind === 'calendar_year') return String(n);
  return fmt.kind === 'padded' ? String(n).padStart(fmt.digits, '0') : String(n);
}

/** Relative path of one partition, e.g. `silver/events/event_date=2025-11-19/event_hour=5`. */
export function partitionPath(table: TableDef, values: Record<string, string | number | Date>): string {
  const segments = table.partitionKeys.map((key) => {
    if (!(key.name in values)) throw new Error(`partition path of ${table.id}: missing value for '${key.name}'`);
    return `${key.name}=${formatPartitionValue(key, values[key.name])}`;
  });
  return [table.location, ...segments].join('/');
}

// ---------------------------------------------------------------------------------------------
// Machine-readable rendering for engines that cannot import TypeScript (the Glue job)
// ---------------------------------------------------------------------------------------------

export interface TablesDocument {
  readonly tables: ReadonlyArray<{
    readonly id: string;
    readonly location: string;
    readonly format: TableDef['format'];
    readonly columns: ReadonlyArray<{ readonly name: string; readonly type: LogicalType; readonly nullable: boolean }>;
    readonly partitionKeys: ReadonlyArray<{ readonly name: string; readonly type: LogicalType; readonly format: PartitionFormat }>;
  }>;
}

/**
 * The lake tables as JSON (uploaded next to the manifest as `tables.json`): the Glue job reads
 * locations, column order and types and partition formats from it instead of restating them.
 */
export function tablesDocument(): TablesDocument {
  return {
    tables: LAKE_TABLES.map((t) => ({
      id: t.id,
      location: t.location,
      format: t.format,
      columns: t.columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
      partitionKeys: t.partitionKeys.map(({ name, type, format }) => ({ name, type, format })),
    })),
  };
}
