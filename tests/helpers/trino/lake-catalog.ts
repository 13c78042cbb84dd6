/**
 * Registers a local lake in the Trino server's Hive catalog the way the stack registers the lake
 * in Glue: one schema per Glue database, every lake table created from the neutral description
 * (etl/catalog.ts) that also renders the Glue tables, then its partitions registered.
 */
import { catalogTable, trinoCreateTableSql } from '../../../etl/catalog';
import { LAKE_TABLES, TableDef } from '../../../etl/schema';
import type { ValidationDatabases } from '../../../components/athena-validation-provider';
import { trinoQuery, TrinoSession } from './client';

export const TRINO_CATALOG = 'hive';

/** Per-lake schema names, as the stack suffixes its Glue databases (`silver_<id>`). */
export function lakeDatabases(suffix: string): ValidationDatabases {
  if (!/^[a-z0-9_]+$/.test(suffix)) throw new Error(`schema suffix '${suffix}': expected lowercase letters, digits and underscores`);
  return { bronze: `bronze_${suffix}`, silver: `silver_${suffix}`, gold: `gold_${suffix}` };
}

const qualified = (databases: ValidationDatabases, table: TableDef) => `${TRINO_CATALOG}.${databases[table.database]}.${table.name}`;

/**
 * Creates the schemas and tables of `databases` over the lake at `root` (a `local:///...` URI)
 * and registers every partition directory the engines wrote. Replaces tables left by an earlier run.
 */
export async function registerLake(url: string, root: string, databases: ValidationDatabases): Promise<void> {
  const session: TrinoSession = { url, catalog: TRINO_CATALOG };
  for (const schema of new Set(Object.values(databases))) await trinoQuery(session, `CREATE SCHEMA IF NOT EXISTS ${TRINO_CATALOG}.${schema}`);
  for (const table of LAKE_TABLES) {
    await trinoQuery(session, `DROP TABLE IF EXISTS ${qualified(databases, table)}`);
    await trinoQuery(session, trinoCreateTableSql(catalogTable(table), qualified(databases, table), root));
    if (table.partitionKeys.length > 0) {
      await trinoQuery(
        session,
        `CALL ${TRINO_CATALOG}.system.sync_partition_metadata(schema_name => '${databases[table.database]}', table_name => '${table.name}', mode => 'FULL')`,
      );
    }
  }
}

/** Drops the tables and schemas registerLake created (the lake's files stay: the tables are external). */
export async function unregisterLake(url: string, databases: ValidationDatabases): Promise<void> {
  const session: TrinoSession = { url, catalog: TRINO_CATALOG };
  for (const table of LAKE_TABLES) await trinoQuery(session, `DROP TABLE IF EXISTS ${qualified(databases, table)}`);
  for (const schema of new Set(Object.values(databases))) await trinoQuery(session, `DROP SCHEMA IF EXISTS ${TRINO_CATALOG}.${schema}`);
}
