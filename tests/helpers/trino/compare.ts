/**
 * Compares one query's answer from Trino with the answer DuckDB gave (etl/local/queries.ts):
 * same columns in the same order, the same types, the same rows in the same order and the same
 * values, decimals to their last digit.
 */
import { trinoTypeOfDuckDb } from '../../../etl/catalog';
import type { QueryResult } from '../../../etl/local/queries';
import type { TrinoResult } from './client';

/** Trino's spelling of a DuckDB result type, or the DuckDB type marked as having none (e.g. HUGEINT). */
function expectedTrinoType(duckType: string): string {
  return trinoTypeOfDuckDb(duckType) ?? `(DuckDB ${duckType}: no Trino equivalent)`;
}

/** Trino types as compared: `varchar(n)` is a varchar. */
function trinoTypeName(type: string): string {
  return type.replace(/^varchar\(\d+\)$/, 'varchar').replace(/\s+/g, '');
}

/**
 * A value as both sides can be compared: decimals by their exact digits at the column's scale
 * (Trino sends them as text, DuckDB's runner as numbers), integers as numbers, the rest as text.
 */
function canonical(value: unknown, trinoType: string): string | null {
  if (value === null || value === undefined) return null;
  const decimal = /^decimal\(\d+,(\d+)\)$/.exec(trinoType);
  if (decimal) return Number(value).toFixed(Number(decimal[1]));
  return String(value);
}

/** Every difference between the two answers, one line each; empty when they are equal. */
export function answerDifferences(trino: TrinoResult, duck: Pick<QueryResult, 'columns' | 'columnTypes' | 'rows'>): string[] {
  const out: string[] = [];
  const trinoColumns = trino.columns.map((c) => c.name);
  if (trinoColumns.join(',') !== duck.columns.join(',')) return [`columns: Trino [${trinoColumns.join(', ')}], DuckDB [${duck.columns.join(', ')}]`];
  const types = trino.columns.map((c) => trinoTypeName(c.type));
  duck.columnTypes.forEach((duckType, i) => {
    if (types[i] !== expectedTrinoType(duckType)) out.push(`type of ${duck.columns[i]}: Trino ${trino.columns[i].type}, DuckDB ${duckType}`);
  });
  if (trino.rows.length !== duck.rows.length) out.push(`rows: Trino ${trino.rows.length}, DuckDB ${duck.rows.length}`);
  const n = Math.min(trino.rows.length, duck.rows.length);
  for (let r = 0; r < n && out.length < 20; r++) {
    duck.columns.forEach((name, i) => {
      const a = canonical(trino.rows[r][i], types[i]);
      const b = canonical(duck.rows[r][name], types[i]);
      // A decimal must also arrive from Trino with exactly its scale's digits.
      const exact = a === null || !types[i].startsWith('decimal') || a === String(trino.rows[r][i]);
      if (a !== b || !exact) out.push(`row ${r + 1} ${name}: Trino ${JSON.stringify(trino.rows[r][i])}, DuckDB ${JSON.stringify(duck.rows[r][name])}`);
    });
  }
  return out;
}
