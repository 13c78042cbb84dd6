/**
 * Every table of a local lake as comparable values: the Parquet column types of its files and
 * its rows in a canonical order, read by DuckDB straight from the files (no cast to the schema's
 * types, so a column that one engine writes with another type shows up as a difference).
 */
import { allColumns, LAKE_TABLES, TableDef } from '../../etl/schema';
import { openDuck, queryRows, sqlString } from '../../etl/local/duck';
import { listPartitionDirs, partitionFiles } from '../../etl/local/partitions';

export interface TableContents {
  /** `name: parquet physical type / converted type` of each file column, in schema order. */
  readonly fileTypes: string[];
  /** One JSON text per row (schema column order, partition keys as the path gives them), sorted. */
  readonly rows: string[];
}

export type LakeContents = Record<string, TableContents>;

export interface LakeContentsOptions {
  /** Columns left out of every table's types and rows, e.g. ingested_at when two lakes were built at different batch times. */
  readonly omitColumns?: readonly string[];
}

export async function lakeContents(lake: string, options: LakeContentsOptions = {}): Promise<LakeContents> {
  const omitted = new Set(options.omitColumns ?? []);
  const duck = await openDuck();
  try {
    const out: LakeContents = {};
    for (const table of LAKE_TABLES) out[table.id] = await tableContents(duck.connection, lake, table, omitted);
    return out;
  } finally {
    duck.close();
  }
}

async function tableContents(connection: Parameters<typeof queryRows>[0], lake: string, table: TableDef, omitted: ReadonlySet<string>): Promise<TableContents> {
  const files = partitionFiles(lake, listPartitionDirs(lake, table));
  if (files.length === 0) return { fileTypes: [], rows: [] };
  const list = `[${files.map(sqlString).join(', ')}]`;
  const typeRows = await queryRows(
    connection,
    `SELECT DISTINCT name, type, converted_type FROM parquet_schema(${list}) WHERE num_children IS NULL OR num_children = 0`,
  );
  const typesByColumn = new Map<string, Set<string>>();
  for (const r of typeRows) {
    const set = typesByColumn.get(String(r.name)) ?? new Set<string>();
    set.add(`${String(r.type)} / ${canonicalAnnotation(String(r.type), r.converted_type)}`);
    typesByColumn.set(String(r.name), set);
  }
  const fileTypes = table.columns
    .filter((c) => !omitted.has(c.name))
    .map((c) => `${c.name}: ${[...(typesByColumn.get(c.name) ?? new Set(['absent']))].sort().join(' | ')}`);
  const columns = allColumns(table)
    .map((c) => c.name)
    .filter((name) => !omitted.has(name));
  const rows = await queryRows(
    connection,
    `SELECT ${columns.join(', ')} FROM read_parquet(${list}, hive_partitioning = true, hive_types_autocast = false) ORDER BY ALL`,
  );
  return { fileTypes, rows: rows.map((r) => JSON.stringify(columns.map((c) => r[c] ?? null))).sort() };
}

/** INT_32 on INT32 and INT_64 on INT64 restate the physical type: an annotation some writers leave out. */
function canonicalAnnotation(physical: string, converted: unknown): string {
  const text = converted === null || converted === undefined ? '-' : String(converted);
  return (physical === 'INT64' && text === 'INT_64') || (physical === 'INT32' && text === 'INT_32') ? '-' : text;
}

/** Human-readable differences between two lakes' contents (empty when they are equal). */
export function lakeDifferences(a: LakeContents, b: LakeContents, labels: [string, string], maxRowsShown = 5): string[] {
  const out: string[] = [];
  for (const id of Object.keys(a)) {
    const ta = a[id];
    const tb = b[id];
    if (ta.rows.length > 0 && tb.rows.length > 0 && JSON.stringify(ta.fileTypes) !== JSON.stringify(tb.fileTypes)) {
      const pairs = ta.fileTypes.map((t, i) => (t === tb.fileTypes[i] ? '' : `${labels[0]} ${t} vs ${labels[1]} ${tb.fileTypes[i]}`)).filter(Boolean);
      out.push(`${id}: column types differ: ${pairs.join('; ')}`);
    }
    const onlyA = multisetMinus(ta.rows, tb.rows);
    const onlyB = multisetMinus(tb.rows, ta.rows);
    if (onlyA.length || onlyB.length) {
      out.push(
        `${id}: ${ta.rows.length} rows (${labels[0]}) vs ${tb.rows.length} (${labels[1]}); ` +
          `only in ${labels[0]}: ${onlyA.slice(0, maxRowsShown).join(' ')}${onlyA.length > maxRowsShown ? ` ... (${onlyA.length})` : ''}; ` +
          `only in ${labels[1]}: ${onlyB.slice(0, maxRowsShown).join(' ')}${onlyB.length > maxRowsShown ? ` ... (${onlyB.length})` : ''}`,
      );
    }
  }
  return out;
}

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else out.push(x);
  }
  return out;
}
