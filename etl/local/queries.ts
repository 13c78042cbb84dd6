/** Runs the 5 deliverable queries (queries/queries.sql) against a local lake. */
import { DuckDBConnection } from '@duckdb/node-api';
import { DeliverableQuery, loadQueries } from '../../queries';
import { openDuck } from './duck';
import { assertLakeReadable, registerLakeViews } from './lake';

export interface QueryResult {
  id: number;
  name: string;
  question: string;
  columns: string[];
  /** DuckDB type of each column, e.g. DECIMAL(10,4), BIGINT, DATE (for formatting). */
  columnTypes: string[];
  /** JSON-safe values: counts and amounts as numbers, dates as yyyy-MM-dd strings. */
  rows: Array<Record<string, unknown>>;
}

export async function runDeliverableQueries(lake: string, queries: DeliverableQuery[] = loadQueries()): Promise<QueryResult[]> {
  assertLakeReadable(lake);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    const results: QueryResult[] = [];
    for (const q of queries) results.push({ id: q.id, name: q.name, question: q.question, ...(await runQuery(duck.connection, q)) });
    return results;
  } finally {
    duck.close();
  }
}

async function runQuery(connection: DuckDBConnection, q: DeliverableQuery): Promise<{ columns: string[]; columnTypes: string[]; rows: Array<Record<string, unknown>> }> {
  let reader;
  try {
    reader = await connection.runAndReadAll(q.sql);
  } catch (err) {
    throw new Error(`query ${q.id} (${q.name}) failed: ${(err as Error).message.split('\n')[0]}`);
  }
  const columns = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const rows = reader.getRowObjectsJson().map((row) => {
    const out: Record<string, unknown> = {};
    columns.forEach((c, i) => (out[c] = jsonValue(row[c], types[i])));
    return out;
  });
  return { columns, columnTypes: types, rows };
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
