/**
 * Reading answers out of a local lake: the 5 deliverable queries (queries/queries.sql), any
 * read-only statement a user types (`lakehouse sql`), and sample quarantined lines for the report.
 */
import { DuckDBConnection, StatementType } from '@duckdb/node-api';
import { DeliverableQuery, loadQueries } from '../../queries';
import { LAKE_TABLES, quarantineEvents, TableDef } from '../schema';
import { openDuck } from './duck';
import { assertLakeReadable, localTableName, registerLakeViews } from './lake';

/** Columns and rows of one statement's result. */
export interface ResultSet {
  columns: string[];
  /** DuckDB type of each column, e.g. DECIMAL(10,4), BIGINT, DATE (for formatting). */
  columnTypes: string[];
  /** JSON-safe values: counts and amounts as numbers, dates as yyyy-MM-dd strings. */
  rows: Array<Record<string, unknown>>;
}

export interface QueryResult extends ResultSet {
  id: number;
  name: string;
  question: string;
}

/** A statement the user wrote could not run (bad SQL, unknown table, not read-only). */
export class SqlInputError extends Error {}

export async function runDeliverableQueries(lake: string, queries: DeliverableQuery[] = loadQueries()): Promise<QueryResult[]> {
  return withLake(lake, async (connection) => {
    const results: QueryResult[] = [];
    for (const q of queries) {
      try {
        results.push({ id: q.id, name: q.name, question: q.question, ...(await readAll(connection, q.sql)) });
      } catch (err) {
        throw new Error(`query ${q.id} (${q.name}) failed: ${oneLine(err)}`, { cause: err });
      }
    }
    return results;
  });
}

/**
 * The name a table has in `lakehouse sql`: as in Athena minus the per-stack suffix
 * (`silver.events`, `gold.product_funnel`, `silver.quarantine_events`). A table whose reference
 * in code differs from that (`quarantine.events`) answers to both names.
 */
export function sqlTableNames(table: TableDef): string[] {
  return [...new Set([localTableName(table), table.id])];
}

/** Every lake table with the names `lakehouse sql` accepts for it. */
export function sqlTables(): Array<{ table: TableDef; names: string[] }> {
  return LAKE_TABLES.map((table) => ({ table, names: sqlTableNames(table) }));
}

/** Statement kinds that only read: SELECT (which covers DESCRIBE, SHOW, SUMMARIZE, FROM ...) and EXPLAIN. */
const READ_ONLY = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/** An open connection to a lake for a sequence of user statements (the `lakehouse sql` shell). */
export interface SqlSession {
  run(sql: string): Promise<ResultSet>;
  close(): void;
}

export async function openSqlSession(lake: string): Promise<SqlSession> {
  assertLakeReadable(lake);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    await registerReferenceNames(duck.connection);
  } catch (err) {
    duck.close();
    throw err;
  }
  return { run: (sql) => runReadOnly(duck.connection, sql), close: () => duck.close() };
}

/** Runs one read-only statement against the lake's tables (see runReadOnly). */
export async function runSql(lake: string, sql: string): Promise<ResultSet> {
  const session = await openSqlSession(lake);
  try {
    return await session.run(sql);
  } finally {
    session.close();
  }
}

/**
 * Runs one statement if it only reads. Anything that could write (COPY, CREATE, INSERT, ATTACH,
 * SET, ...) is refused before it runs, as is more than one statement.
 */
async function runReadOnly(connection: DuckDBConnection, sql: string): Promise<ResultSet> {
  let extracted;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (err) {
    throw new SqlInputError(oneLine(err));
  }
  if (extracted.count !== 1) throw new SqlInputError(`expected exactly one statement, got ${extracted.count}`);
  let prepared;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    throw new SqlInputError(oneLine(err));
  }
  if (!READ_ONLY.has(prepared.statementType)) {
    throw new SqlInputError(
      `expected a read-only statement (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN), got ${StatementType[prepared.statementType]}: the lake is only changed by 'lakehouse run'`,
    );
  }
  try {
    return toResultSet(await prepared.runAndReadAll());
  } catch (err) {
    throw new SqlInputError(oneLine(err));
  }
}

/** Up to `perReason` quarantined lines per reason, for the report: as many different failing fields as possible. */
export async function quarantineSamples(
  lake: string,
  perReason = 3,
): Promise<Array<{ reason: string; detail: string | null; rawLine: string | null; sourceFile: string }>> {
  return withLake(lake, async (connection) => {
    const { rows } = await readAll(
      connection,
      // One line of each distinct detail (the failing field) first, so the samples show the variety.
      'SELECT reason, detail, raw_line, source_file FROM (' +
        'SELECT *, row_number() OVER (PARTITION BY reason, detail ORDER BY source_file, raw_line) AS nth_of_detail ' +
        `FROM ${localTableName(quarantineEvents)}) ` +
        'QUALIFY row_number() OVER (PARTITION BY reason ORDER BY nth_of_detail, detail, source_file, raw_line) <= ' +
        `${Math.max(1, Math.floor(perReason))} ORDER BY reason, detail, source_file, raw_line`,
    );
    return rows.map((r) => ({
      reason: String(r.reason),
      detail: r.detail as string | null,
      rawLine: r.raw_line as string | null,
      sourceFile: String(r.source_file),
    }));
  });
}

async function withLake<T>(lake: string, fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  assertLakeReadable(lake);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    return await fn(duck.connection);
  } finally {
    duck.close();
  }
}

/** Adds the reference names (`quarantine.events`) that differ from the catalog names. */
async function registerReferenceNames(connection: DuckDBConnection): Promise<void> {
  for (const { table, names } of sqlTables()) {
    for (const name of names.filter((n) => n !== localTableName(table))) {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${name.split('.')[0]}`);
      await connection.run(`CREATE OR REPLACE VIEW ${name} AS SELECT * FROM ${localTableName(table)}`);
    }
  }
}

async function readAll(connection: DuckDBConnection, sql: string): Promise<ResultSet> {
  return toResultSet(await connection.runAndReadAll(sql));
}

function toResultSet(reader: { columnNames(): string[]; columnTypes(): Array<{ toString(): string }>; getRowObjectsJson(): unknown[] }): ResultSet {
  const columns = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const rows = (reader.getRowObjectsJson() as Array<Record<string, unknown>>).map((row) => {
    const out: Record<string, unknown> = {};
    columns.forEach((c, i) => (out[c] = jsonValue(row[c], types[i])));
    return out;
  });
  return { columns, columnTypes: types, rows };
}

/** A DuckDB error as one line: its message without the LINE/caret context DuckDB appends. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^LINE \d+:/.test(l) && !/^\^+$/.test(l))
    .join(' ');
}

/** BIGINT/HUGEINT/DECIMAL arrive as strings from getRowObjectsJson: numbers are friendlier in reports and JSON. */
function jsonValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (/^(BIGINT|HUGEINT|UBIGINT|DECIMAL)/.test(type)) {
    const n = Number(value);
    if (type.startsWith('DECIMAL') || Number.isSafeInteger(n)) return n;
  }
  return value;
}
