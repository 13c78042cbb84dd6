/**
 * Glue catalog table definitions derived from etl/schema.ts: columns, types and partition keys
 * come from the schema module only, and partition projection describes the very paths the ETL
 * writes (etl/schema.ts `partitionPath`), so no crawler and no MSCK REPAIR is ever needed.
 *
 * Projection choices (Athena "Supported types for partition projection"):
 * - `date` keys (event_date) use the date type, format yyyy-MM-dd, range <LAKE_START_YEAR>-01-01,NOW, one day
 *   interval: exactly the ISO dates the writers put in `event_date=...`.
 * - `integer` keys (event_hour) use the integer type with the schema's min,max and no padding,
 *   which is how Spark and DuckDB render an int partition value (`event_hour=5`).
 * - `year` keys of the source paths use a date projection with format yyyy from the lake's first
 *   year to NOW, so the projected range grows with time rather than spanning decades ahead.
 * - `padded` keys (month/day/hour of the source paths) use the integer type with
 *   `digits`, which renders `month=03`. Athena documents the integer type for "partition columns
 *   whose possible values are interpretable as integers within a defined range"; the projection
 *   type is independent of the column type, so these stay STRING columns (as the schema types
 *   them) and `enum`/`injected` are not needed: enum would list 80 years x 12 x 31 x 24 x 60
 *   values by hand, and injected would force an equality filter on every key in every query.
 * - The raw table's `minute` folders are not a catalog partition (etl/schema.ts `catalogPartition`):
 *   each hour partition's location covers them, so a query without a filter projects
 *   12 x 31 x 24 partitions per year instead of 60 times as many (over a million).
 */
import * as pulumi from '@pulumi/pulumi';
import type * as aws from '@pulumi/aws';
import { catalogPartitionKeys, catalogTable, locationUnder } from '../etl/catalog';
import { LAKE_START_YEAR, PartitionKeyDef, TableDef } from '../etl/schema';

/** First day the date projection covers: the lake's first year (earlier events are quarantined). */
export const DATE_PROJECTION_START = `${LAKE_START_YEAR}-01-01`;

/** Projection properties of one partition key, derived from its path format in the schema. */
export function keyProjection(key: PartitionKeyDef): Record<string, string> {
  const p = `projection.${key.name}`;
  const fmt = key.format;
  switch (fmt.kind) {
    case 'date':
      return {
        [`${p}.type`]: 'date',
        [`${p}.format`]: 'yyyy-MM-dd',
        [`${p}.range`]: `${DATE_PROJECTION_START},NOW`,
        [`${p}.interval`]: '1',
        [`${p}.interval.unit`]: 'DAYS',
      };
    case 'integer':
      return { [`${p}.type`]: 'integer', [`${p}.range`]: `${fmt.min},${fmt.max}` };
    case 'padded':
      return { [`${p}.type`]: 'integer', [`${p}.range`]: `${fmt.min},${fmt.max}`, [`${p}.digits`]: String(fmt.digits) };
    case 'calendar_year':
      // A date projection of one year per value, up to NOW: the range grows with time instead of
      // projecting decades ahead (an unfiltered query enumerates every value of every key).
      return {
        [`${p}.type`]: 'date',
        [`${p}.format`]: 'yyyy',
        [`${p}.range`]: `${fmt.min},NOW`,
        [`${p}.interval`]: '1',
        [`${p}.interval.unit`]: 'YEARS',
      };
  }
}

/**
 * `s3://bucket/<location>/key1=${key1}/.../`: Athena substitutes each `${key}` with the projected
 * value. The trailing slash keeps a partition a folder: without it `event_hour=1` would also be a
 * key prefix of `event_hour=10`..`19`.
 */
export function locationTemplate(table: TableDef, bucketUri: string): string {
  const segments = catalogPartitionKeys(table).map((k) => `${k.name}=\${${k.name}}/`);
  return `${locationUnder(bucketUri, catalogTable(table))}${segments.join('')}`;
}

/** Renders a storage.location.template the way Athena does, for tests and docs. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([a-z_][a-z0-9_]*)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`template placeholder '${name}' has no value`);
    return values[name];
  });
}

/** All table parameters: format markers plus partition projection. */
export function tableParameters(table: TableDef, bucketUri: string): Record<string, string> {
  const storage = catalogTable(table).storage;
  const params: Record<string, string> = { EXTERNAL: 'TRUE', classification: storage.classification };
  if (storage.compressed) params.compressionType = 'gzip';
  const keys = catalogPartitionKeys(table);
  if (keys.length > 0) {
    params['projection.enabled'] = 'true';
    for (const key of keys) Object.assign(params, keyProjection(key));
    params['storage.location.template'] = locationTemplate(table, bucketUri);
  }
  return params;
}

/** SerDe of a table: Parquet, or the OpenX JSON SerDe for the raw JSON Lines. */
export function serDeInfo(table: TableDef): aws.types.input.glue.CatalogTableStorageDescriptorSerDeInfo {
  const storage = catalogTable(table).storage;
  return { serializationLibrary: storage.serializationLibrary, parameters: { ...storage.serdeParameters } };
}

/**
 * Glue CatalogTable arguments of a schema table in `database`, stored under `bucketName`: the
 * neutral description of etl/catalog.ts (the Trino tests create their tables from the same one).
 */
export function catalogTableArgs(table: TableDef, database: pulumi.Input<string>, bucketName: pulumi.Input<string>): aws.glue.CatalogTableArgs {
  const described = catalogTable(table);
  const bucketUri = pulumi.interpolate`s3://${bucketName}`;
  return {
    name: described.name,
    databaseName: database,
    description: described.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: bucketUri.apply((uri) => tableParameters(table, uri)),
    partitionKeys: described.partitionKeys.map((k) => ({ ...k })),
    storageDescriptor: {
      location: bucketUri.apply((uri) => locationUnder(uri, described)),
      inputFormat: described.storage.inputFormat,
      outputFormat: described.storage.outputFormat,
      compressed: described.storage.compressed,
      serDeInfo: serDeInfo(table),
      columns: described.columns.map((c) => ({ ...c })),
    },
  };
}

/** Column names and Hive types of a table in catalog order (columns, then partition keys). */
export function catalogColumns(table: TableDef): Array<{ name: string; type: string }> {
  const described = catalogTable(table);
  return [...described.columns, ...described.partitionKeys].map(({ name, type }) => ({ name, type }));
}
