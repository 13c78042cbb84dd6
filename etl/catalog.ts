/**
 * The catalog description of a table, neutral between catalogs: its columns and partition keys
 * with their Hive types (what Glue stores and Athena reads), its location under a storage root
 * and its storage format. Both renderers of a catalog start from catalogTable():
 * - components/glue-tables.ts: the Glue tables of the deployed stack (Athena's catalog);
 * - trinoCreateTableSql(): the Trino DDL the Trino test layer (tests/etl/trino.test.ts) creates over a
 *   local lake, so what Trino is shown to read is what the Glue tables declare.
 * Athena-only table parameters (partition projection) stay in components/glue-tables.ts.
 */
import { duckDbType, glueType, LogicalType, PartitionKeyDef, TableDef } from './schema';

export interface CatalogColumn {
  readonly name: string;
  /** Hive/Glue type, e.g. `string`, `decimal(10,2)`. */
  readonly type: string;
  readonly comment: string;
}

export interface StorageFormat {
  /** `parquet` or `json`: Glue's `classification` parameter. */
  readonly classification: 'parquet' | 'json';
  readonly inputFormat: string;
  readonly outputFormat: string;
  readonly serializationLibrary: string;
  readonly serdeParameters: Readonly<Record<string, string>>;
  /** True for the gzipped JSON Lines of the source bucket. */
  readonly compressed: boolean;
}

export interface CatalogTable {
  readonly name: string;
  readonly database: TableDef['database'];
  readonly description: string;
  /** Data columns in file order. */
  readonly columns: readonly CatalogColumn[];
  /** Hive-style partition keys in path order (catalogPartitionKeys). */
  readonly partitionKeys: readonly CatalogColumn[];
  /** Location relative to the storage root, ending in `/` (Athena asks for the trailing slash). */
  readonly location: string;
  readonly storage: StorageFormat;
}

export const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

function storageFormat(table: TableDef): StorageFormat {
  if (table.format === 'parquet') {
    return {
      classification: 'parquet',
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serializationLibrary: PARQUET_SERDE,
      serdeParameters: { 'serialization.format': '1' },
      compressed: false,
    };
  }
  const serdeParameters: Record<string, string> = { 'ignore.malformed.json': 'true' };
  // Columns read from a differently named key (the reserved word `timestamp`): `mapping.<column>` = `<json key>`.
  for (const c of table.columns) if (c.sourceKey) serdeParameters[`mapping.${c.name}`] = c.sourceKey;
  return {
    classification: 'json',
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serializationLibrary: OPENX_JSON_SERDE,
    serdeParameters,
    compressed: true,
  };
}

/**
 * The partition keys a catalog declares: the schema's path levels down to the first one marked
 * `catalogPartition: false` (deeper folders are read as part of the partition above them).
 */
export function catalogPartitionKeys(table: TableDef): PartitionKeyDef[] {
  const end = table.partitionKeys.findIndex((k) => k.catalogPartition === false);
  return table.partitionKeys.slice(0, end === -1 ? table.partitionKeys.length : end);
}

/** The neutral catalog description of a schema table. */
export function catalogTable(table: TableDef): CatalogTable {
  const column = (c: TableDef['columns'][number]): CatalogColumn => ({ name: c.name, type: glueType(c.type), comment: c.description });
  return {
    name: table.name,
    database: table.database,
    description: table.description,
    columns: table.columns.map(column),
    partitionKeys: catalogPartitionKeys(table).map(column),
    location: `${table.location}/`,
    storage: storageFormat(table),
  };
}

/** The table's location under a storage root (`s3://bucket`, `local:///lakes/x`), with its trailing slash. */
export function locationUnder(root: string, table: CatalogTable): string {
  return `${root.replace(/\/+$/, '')}/${table.location}`;
}

// ---------------------------------------------------------------------------------------------
// Trino
// ---------------------------------------------------------------------------------------------

/** Trino spellings of the DuckDB types the schema's logical types map to (etl/schema.ts duckDbType). */
const TRINO_OF_DUCKDB: Readonly<Record<string, string>> = {
  VARCHAR: 'varchar',
  INTEGER: 'integer',
  BIGINT: 'bigint',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  DATE: 'date',
  // Hive timestamps are read at millisecond precision by Trino's Hive connector and by Athena.
  TIMESTAMP: 'timestamp(3)',
};

/** Trino spelling of a DuckDB type, or undefined when Trino has no such type (e.g. HUGEINT). */
export function trinoTypeOfDuckDb(duckType: string): string | undefined {
  const t = duckType.toUpperCase().replace(/\s+/g, '');
  return /^DECIMAL\(\d+,\d+\)$/.test(t) ? t.toLowerCase() : TRINO_OF_DUCKDB[t];
}

/** Trino spelling of a Hive column type of the schema (the Hive connector stores it back as the same Hive type). */
export function trinoType(hiveType: string): string {
  // Hive types of the catalog are the schema's logical types (glueType is their own spelling).
  const trino = trinoTypeOfDuckDb(duckDbType(hiveType as LogicalType));
  if (trino === undefined)
    throw new Error(`no Trino type for Hive type '${hiveType}': expected string, int, bigint, double, boolean, date, timestamp or decimal(p,s)`);
  return trino;
}

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * `CREATE TABLE <qualifiedName> (...) WITH (external_location, format, partitioned_by)` for the
 * Hive connector: columns then partition keys (Trino lists partition columns last, as Glue does).
 */
export function trinoCreateTableSql(table: CatalogTable, qualifiedName: string, root: string): string {
  if (table.storage.serializationLibrary !== PARQUET_SERDE) {
    // The raw JSON table reads the key `timestamp` into another column through OpenX SerDe
    // parameters, which Trino's CREATE TABLE cannot declare.
    throw new Error(`Trino DDL of ${table.name}: only Parquet tables can be declared faithfully, got SerDe ${table.storage.serializationLibrary}`);
  }
  const columns = [...table.columns, ...table.partitionKeys].map((c) => `  ${c.name} ${trinoType(c.type)} COMMENT ${sqlText(c.comment)}`);
  const props = [`external_location = ${sqlText(locationUnder(root, table))}`, `format = 'PARQUET'`];
  if (table.partitionKeys.length > 0) props.push(`partitioned_by = ARRAY[${table.partitionKeys.map((k) => sqlText(k.name)).join(', ')}]`);
  return `CREATE TABLE ${qualifiedName} (\n${columns.join(',\n')}\n)\nCOMMENT ${sqlText(table.description)}\nWITH (\n  ${props.join(',\n  ')}\n)`;
}
