/**
 * Result sets as the CLI prints them: an aligned text table, CSV or JSON. `lakehouse query`,
 * `lakehouse sql` and the demo all print through here, with the number formats of
 * etl/local/format.ts; every value from the data has its control characters escaped, and CSV
 * text cells cannot start a spreadsheet formula.
 */
import type { FlagSpec } from './args';
import { columnKind, csvField, escapeControl, formatPlainValue, formatValue, ValueKind } from '../etl/local/format';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Printable {
  readonly columns: readonly string[];
  /** DuckDB type per column (e.g. DECIMAL(10,4)); without it the kind comes from names and values. */
  readonly columnTypes?: readonly string[];
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

const NUMERIC_KINDS = new Set<ValueKind>(['count', 'rate', 'money', 'decimal', 'number']);

function kinds(result: Printable): ValueKind[] {
  return result.columns.map((c, i) => {
    const type = result.columnTypes?.[i] ?? '';
    if (type !== '') return columnKind(c, type);
    // No type: a column is numeric when every non-null value is a number.
    const values = result.rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined);
    return values.length > 0 && values.every((v) => typeof v === 'number' || typeof v === 'bigint') ? columnKind(c, 'DOUBLE') : columnKind(c, 'VARCHAR');
  });
}

/**
 * An aligned text table of already formatted cells; `rightAligned[i]` right-aligns column i
 * (numbers). Cells are escaped here, so a value can never break the layout.
 */
export function textTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: readonly boolean[] = [], indent = ''): string {
  const safeHeaders = headers.map(escapeControl);
  const safeRows = rows.map((r) => headers.map((_, i) => escapeControl(r[i] ?? '')));
  const widths = safeHeaders.map((h, i) => Math.max(h.length, ...safeRows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(safeHeaders), line(widths.map((w) => '-'.repeat(w))), ...safeRows.map(line)].join('\n');
}

/** A result set as an aligned table for a terminal, numbers right-aligned, then `(n rows)`. */
export function toTable(result: Printable, options: { maxRows?: number; indent?: string } = {}): string {
  const k = kinds(result);
  const types = result.columnTypes ?? [];
  const shown = result.rows.slice(0, options.maxRows ?? result.rows.length);
  const cells = shown.map((r) => result.columns.map((c, i) => formatValue(r[c], k[i], types[i])));
  const table = textTable(
    result.columns,
    cells,
    k.map((x) => NUMERIC_KINDS.has(x)),
    options.indent ?? '',
  );
  const count = result.rows.length === 1 ? '1 row' : `${formatValue(result.rows.length, 'count')} rows`;
  const more = shown.length < result.rows.length ? `, first ${shown.length} shown` : '';
  return `${table}\n${options.indent ?? ''}(${count}${more})`;
}

/** A result set as RFC 4180 CSV with a header line; one line per row. */
export function toCsv(result: Printable): string {
  const k = kinds(result);
  const types = result.columnTypes ?? [];
  const header = result.columns.map((c) => csvField(c, true)).join(',');
  const lines = result.rows.map((r) =>
    result.columns.map((c, i) => csvField(formatPlainValue(r[c], k[i], types[i]), typeof r[c] === 'string' && !NUMERIC_KINDS.has(k[i]))).join(','),
  );
  return [header, ...lines].join('\n');
}

/** Rows as pretty JSON: the values themselves (numbers as numbers), nothing escaped but JSON's own. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v), 2);
}

/** The `--format` flag of every command that prints result sets. */
export const FORMAT_FLAG = {
  name: 'format',
  type: 'choice',
  choices: OUTPUT_FORMATS,
  default: 'table',
  description: 'Output format: an aligned table, CSV (one line per row, text cells safe for spreadsheets) or JSON (exact values).',
} as const satisfies FlagSpec;
