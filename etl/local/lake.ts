/**
 * Reading the local lake with DuckDB: one typed relation per table, built from the schema
 * module (column names, types and partition keys are never restated here).
 */
import * as fs from 'fs';
import { DuckDBConnection } from '@duckdb/node-api';
import { allColumns, duckDbType, LAKE_TABLES, TableDef } from '../schema';
import { openDuck, queryRows, sqlString, toNumber } from './duck';
import { listPartitionDirs, partitionFiles } from './partitions';
import { tableGlob } from './paths';

/** A SELECT over the given Parquet files of a table (all columns, schema types, schema order). */
export function tableSelectSql(table: TableDef, files: readonly string[] | string): string {
  const columns = allColumns(table);
  const hasFiles = typeof files === 'string' || files.length > 0;
  if (!hasFiles) {
    return `SELECT ${columns.map((c) => `CAST(NULL AS ${duckDbType(c.type)}) AS ${c.name}`).join(', ')} WHERE false`;
  }
  const list = typeof files === 'string' ? sqlString(files) : `[${files.map(sqlString).join(', ')}]`;
  const hiveTypes = table.partitionKeys.map((k) => `${k.name}: '${duckDbType(k.type)}'`).join(', ');
  return (
    `SELECT ${columns.map((c) => `CAST(${c.name} AS ${duckDbType(c.type)}) AS ${c.name}`).join(', ')} ` +
    `FROM read_parquet(${list}, hive_partitioning = true, hive_types = {${hiveTypes}}, hive_types_autocast = false)`
  );
}

/** The whole table as it is now in the lake (an empty typed relation when it has no data yet). */
export function wholeTableSql(lake: string, table: TableDef): string {
  return listPartitionDirs(lake, table).length === 0 ? tableSelectSql(table, []) : tableSelectSql(table, tableGlob(lake, table));
}

/** The name a lake table has in a local DuckDB session: `<database>.<name>`, as in Glue/Athena minus the stack suffix. */
export function localTableName(table: TableDef): string {
  return `${table.database}.${table.name}`;
}

/**
 * Registers every lake table as a view `<database>.<name>` (schemas bronze, silver, gold) and
 * puts gold first on the search path, so queries.sql's unqualified gold names resolve as they
 * do in Athena with database gold_<id>.
 */
export async function registerLakeViews(connection: DuckDBConnection, lake: string): Promise<void> {
  for (const database of new Set(LAKE_TABLES.map((t) => t.database))) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${database}`);
  for (const table of LAKE_TABLES) {
    await connection.run(`CREATE OR REPLACE VIEW ${localTableName(table)} AS ${wholeTableSql(lake, table)}`);
  }
  await connection.run("SET search_path = 'gold,main'");
}

/** Fails with one line when a lake folder does not exist or is not readable. */
export function assertLakeReadable(lake: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(lake);
    fs.accessSync(lake, fs.constants.R_OK);
  } catch {
    throw new Error(`lake folder '${lake}' does not exist or is not readable: expected a folder written by 'lakehouse run'`);
  }
  if (!stat.isDirectory()) throw new Error(`lake '${lake}' is not a folder: expected a folder written by 'lakehouse run'`);
}

/** Row count of every lake table, keyed by table id. */
export async function tableRowCounts(lake: string): Promise<Record<string, number>> {
  assertLakeReadable(lake);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    const counts: Record<string, number> = {};
    for (const table of LAKE_TABLES) {
      const [row] = await queryRows(duck.connection, `SELECT COUNT(*) AS n FROM ${localTableName(table)}`);
      counts[table.id] = toNumber(row.n);
    }
    return counts;
  } finally {
    duck.close();
  }
}

export { partitionFiles };
