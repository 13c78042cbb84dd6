/**
 * How numbers and text look wherever a person reads them: `lakehouse query` and `lakehouse sql`
 * tables and CSV, the demo's terminal output and the HTML report. One module, so a figure reads
 * the same in every place:
 *
 *   counts   1,234,567          integers with thousands separators
 *   rates    41.40%             a fraction 0..1 shown as a percentage with 2 decimals
 *   money    5,452,538.40       always 2 decimals, thousands separators
 *   seconds  12.34 s
 *
 * CSV is for machines: the same decimals but no thousands separators and rates stay fractions,
 * so a spreadsheet or a script reads the number back exactly. JSON output never goes through
 * here: it carries the values themselves.
 */

/** What a column holds, which decides how its values are shown. */
export type ValueKind = 'count' | 'rate' | 'money' | 'decimal' | 'number' | 'label' | 'text';

const LOCALE = 'en-US';

/** Integers with thousands separators: 1234567 -> 1,234,567. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString(LOCALE);
}

/** A fraction 0..1 as a percentage with 2 decimals: 0.414 -> 41.40%. */
export function formatRate(fraction: number): string {
  return `${(fraction * 100).toLocaleString(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;
}

/** An amount of money: always 2 decimals, thousands separators: 5452538.4 -> 5,452,538.40. */
export function formatMoney(amount: number): string {
  return amount.toLocaleString(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A duration: 12.345 -> 12.35 s. */
export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(2)} s`;
}

/** Any other number: thousands separators, at most 4 decimals. */
export function formatNumber(n: number, decimals?: number): string {
  return n.toLocaleString(LOCALE, decimals === undefined ? { maximumFractionDigits: 4 } : { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Column names that identify rather than measure (an hour or a year is never "2,025"). */
const LABEL_NAME = /(^|_)(id|key|year|month|day|hour|minute|date|ts|time|timestamp)$/;
const RATE_NAME = /(^|_)(rate|ratio|share)$/;
const MONEY_NAME = /(^|_)(revenue|price|amount)$/;

/**
 * The kind of a column from its name and, when known, its DuckDB type (e.g. `DECIMAL(10,4)`,
 * `BIGINT`, `VARCHAR`). Names win over types: `view_to_cart_rate` is a rate whatever its type.
 */
export function columnKind(name: string, type = ''): ValueKind {
  const t = type.toUpperCase();
  const numeric = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL|DOUBLE|FLOAT|REAL)/.test(t);
  if (t !== '' && !numeric) return LABEL_NAME.test(name) ? 'label' : 'text';
  if (LABEL_NAME.test(name)) return 'label';
  if (RATE_NAME.test(name)) return 'rate';
  if (MONEY_NAME.test(name)) return 'money';
  if (/^(DECIMAL|DOUBLE|FLOAT|REAL)/.test(t)) return 'decimal';
  if (numeric) return 'count';
  return 'number';
}

/** Decimals of a DECIMAL(p,s) type, if it is one. */
function decimalScale(type: string): number | undefined {
  const m = /^DECIMAL\(\d+,\s*(\d+)\)/i.exec(type);
  return m ? Number(m[1]) : undefined;
}

/** A value as a number when it is one (JS number, bigint, numeric string, DuckDB value object). */
export function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const withDouble = value as { toDouble?: () => number };
    if (typeof withDouble.toDouble === 'function') return withDouble.toDouble();
    return asNumber(String(value));
  }
  return null;
}

/** A non-number value as text (dates as ISO strings, objects as JSON). */
function plainText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    const text = String(value);
    return text === '[object Object]' ? JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) : text;
  }
  return String(value);
}

/** How NULL reads in tables and the report (CSV leaves the cell empty). */
export const NULL_TEXT = 'NULL';

/** One value for a person: the kind decides separators, decimals and percentages. */
export function formatValue(value: unknown, kind: ValueKind, type = ''): string {
  if (value === null || value === undefined) return NULL_TEXT;
  const n = kind === 'text' || kind === 'label' ? null : asNumber(value);
  if (n === null) return plainText(value);
  switch (kind) {
    case 'count':
      return Number.isInteger(n) ? formatCount(n) : formatNumber(n);
    case 'rate':
      return formatRate(n);
    case 'money':
      return formatMoney(n);
    case 'decimal':
      return formatNumber(n, decimalScale(type));
    default:
      return Number.isInteger(n) ? formatCount(n) : formatNumber(n);
  }
}

/** One value for CSV: no separators, rates as fractions, money and DECIMAL(p,s) with fixed decimals. */
export function formatPlainValue(value: unknown, kind: ValueKind, type = ''): string {
  if (value === null || value === undefined) return '';
  const n = kind === 'text' || kind === 'label' ? null : asNumber(value);
  if (n === null) return plainText(value);
  if (kind === 'money') return n.toFixed(2);
  const scale = decimalScale(type);
  if (scale !== undefined) return n.toFixed(scale);
  return String(n);
}

// ---------------------------------------------------------------------------------------------
// Text safety: values come from the data, and the data can hold anything
// ---------------------------------------------------------------------------------------------

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides:
 * printed raw they move the cursor, recolour or rewrite a terminal, break a row over lines, or
 * reorder what is shown.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text with every unsafe character written as a visible escape (`\n`, `\x1b`, `\u202e`). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** A plain decimal number, which a spreadsheet reads as a number, never as a formula. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * A text value made safe for a spreadsheet: a cell starting with =, +, - or @ is evaluated as a
 * formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)`), so it gets a leading
 * apostrophe, which they show as text. A plain number such as -5 is left alone.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@]/.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV field (RFC 4180 quoting), control characters escaped, formulas neutralised for text. */
export function csvField(text: string, isText: boolean): string {
  const safe = escapeControl(isText ? neutraliseFormula(text) : text);
  return /[",]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
