/**
 * Validation checks shared by the local engine (`lakehouse check`, DuckDB) and the deployed
 * stack (components/athena-validation.ts, Athena). One definition, two runners.
 *
 * A check is one SQL statement in the portable subset of Trino (Athena engine v3) and DuckDB.
 * Tables are written as placeholders `{{<table id>}}` (ids from etl/schema.ts, e.g.
 * `{{silver.events}}`); each runner substitutes its own qualified name. The statement returns
 * exactly one row with the columns:
 *   failures      BIGINT   offending rows or groups; 0 means pass
 *   rows_checked  BIGINT   rows the check looked at; 0 on a data check means "no data yet"
 *   observed      VARCHAR  short human-readable figure(s), shown in reports and outputs
 */
import { TableDef, TABLES } from './schema';

export type CheckKind =
  /** Must pass even on an empty lake: tables readable, queries valid. */
  | 'structural'
  /** Meaningful only once data exists: reports `no-data` instead of failing on an empty lake. */
  | 'data';

export interface CheckDefinition {
  /** snake_case, unique. */
  readonly id: string;
  readonly description: string;
  readonly kind: CheckKind;
  readonly sql: string;
}

export type CheckStatus = 'pass' | 'fail' | 'no-data' | 'error';

export interface CheckResult {
  readonly id: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  readonly failures: number | null;
  readonly rowsChecked: number | null;
  readonly observed: string | null;
  /** Why the check failed or errored, in one line. */
  readonly message?: string;
}

const PLACEHOLDER = /\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}/g;

/** Table ids a check's SQL refers to. */
export function checkTables(sql: string): TableDef[] {
  const ids = new Set([...sql.matchAll(PLACEHOLDER)].map((m) => m[1]));
  return [...ids].map((id) => {
    const table = TABLES.find((t) => t.id === id);
    if (!table) throw new Error(`check SQL refers to unknown table {{${id}}}`);
    return table;
  });
}

/** Substitutes every `{{table id}}` placeholder with the runner's qualified table name. */
export function renderCheckSql(sql: string, qualifiedName: (table: TableDef) => string): string {
  return sql.replace(PLACEHOLDER, (_, id: string) => {
    const table = TABLES.find((t) => t.id === id);
    if (!table) throw new Error(`check SQL refers to unknown table {{${id}}}`);
    return qualifiedName(table);
  });
}

/** Turns the one result row of a check into its status. Values may arrive as strings (Athena). */
export function evaluateCheckRow(check: CheckDefinition, row: { failures: unknown; rows_checked: unknown; observed: unknown }): CheckResult {
  const failures = toNumber(row.failures);
  const rowsChecked = toNumber(row.rows_checked);
  const observed = row.observed === null || row.observed === undefined ? null : String(row.observed);
  const base = { id: check.id, kind: check.kind, failures, rowsChecked, observed };
  if (failures === null || rowsChecked === null) {
    return { ...base, status: 'error', message: `check ${check.id} returned no numeric failures/rows_checked (got ${String(row.failures)}, ${String(row.rows_checked)})` };
  }
  if (check.kind === 'data' && rowsChecked === 0) return { ...base, status: 'no-data' };
  if (failures === 0) return { ...base, status: 'pass' };
  return { ...base, status: 'fail', message: `check ${check.id} failed: ${check.description} (failures=${failures}, observed: ${observed ?? 'n/a'})` };
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}
