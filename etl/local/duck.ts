/**
 * One DuckDB connection configured the way every local run needs it: UTC session time zone
 * (Spark's session time zone on Glue is UTC too) and the Spark-compatibility prelude.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { InputError } from './errors';

export const PRELUDE_PATH = path.join(__dirname, 'prelude.sql');

export interface Duck {
  readonly connection: DuckDBConnection;
  close(): void;
}

export async function openDuck(opts: { tempDirectory?: string } = {}): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:', opts.tempDirectory ? { temp_directory: opts.tempDirectory } : {});
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  await connection.run(fs.readFileSync(PRELUDE_PATH, 'utf8'));
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Rows as plain JSON-safe objects (BIGINT and DECIMAL arrive as strings, DATE as yyyy-MM-dd). */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** Converts a BIGINT/HUGEINT/DECIMAL value returned as text into a number (exact below 2^53). */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got '${String(value)}'`);
  return n;
}

/**
 * A path DuckDB's file readers take literally. read_parquet expands `*`, `?` and `[...]` even in
 * an explicit list of files, so each such character becomes a one-character class (`[*]`, `[?]`,
 * `[[]`). DuckDB's glob has no escape for a backslash next to those characters: such a path is
 * refused rather than read as a pattern that may match other files.
 */
export function literalPath(p: string): string {
  if (!/[*?[]/.test(p)) return p;
  if (p.includes('\\')) {
    throw new InputError(`'${p}': DuckDB cannot read a path holding both a backslash and one of * ? [ literally; rename the folder`);
  }
  return p.replace(/[*?[]/g, (ch) => `[${ch}]`);
}
