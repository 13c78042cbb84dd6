/**
 * The run-time half of the validation checks: their types, the check window and how it is
 * rendered into a check's SQL, and how a check's one result row becomes a status.
 *
 * This module imports nothing: the Athena validation provider (components/athena-validation-provider.ts)
 * captures these functions by value when Pulumi serializes it, and renders the window at deploy
 * time, so the window follows the clock without the run token (and so every `pulumi up`) changing
 * with the date. The loader of the check files is etl/checks.ts.
 */

export type CheckKind =
  /** Must pass even on an empty lake: tables readable, queries valid. */
  | 'structural'
  /** A pipeline invariant on the data: fails the run when broken; `no-data` on an empty window. */
  | 'data'
  /** A data observation: its figure is reported, it never fails the run; `no-data` on an empty window. */
  | 'observation';

export const CHECK_KINDS: readonly CheckKind[] = ['structural', 'data', 'observation'];

export interface CheckDefinition {
  /** snake_case, unique. */
  readonly id: string;
  /** What a passing check proves (or, for an observation, what it reports). */
  readonly description: string;
  readonly kind: CheckKind;
  /** One statement with `{{table id}}` and `{{window.*}}` placeholders. */
  readonly sql: string;
}

/** `observed`: an observation reported its figure (observations never pass or fail). */
export type CheckStatus = 'pass' | 'fail' | 'no-data' | 'observed' | 'error';

export interface CheckResult {
  readonly id: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  /** Offending rows or groups (0 means pass); for an observation, the rows it flags. */
  readonly failures: number | null;
  readonly rowsChecked: number | null;
  readonly observed: string | null;
  /** Why the check failed or errored, in one line. */
  readonly message?: string;
}

/** True when a result fails the run: an invariant that does not hold, or a check that could not run. */
export function failsRun(result: { status: CheckStatus }): boolean {
  return result.status === 'fail' || result.status === 'error';
}

/** Turns the one result row of a check into its status. Values may arrive as strings (Athena). */
export function evaluateCheckRow(
  check: Pick<CheckDefinition, 'id' | 'kind' | 'description'>,
  row: { failures: unknown; rows_checked: unknown; observed: unknown },
): CheckResult {
  const toNumber = (value: unknown): number | null => {
    if (value === null || value === undefined || value === '') return null;
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  };
  const failures = toNumber(row.failures);
  const rowsChecked = toNumber(row.rows_checked);
  const observed = row.observed === null || row.observed === undefined ? null : String(row.observed);
  const base = { id: check.id, kind: check.kind, failures, rowsChecked, observed };
  if (failures === null || rowsChecked === null) {
    return {
      ...base,
      status: 'error',
      message: `check ${check.id} returned no numeric failures/rows_checked (got ${String(row.failures)}, ${String(row.rows_checked)})`,
    };
  }
  if (check.kind !== 'structural' && rowsChecked === 0) return { ...base, status: 'no-data' };
  if (check.kind === 'observation') return { ...base, status: 'observed' };
  if (failures === 0) return { ...base, status: 'pass' };
  return { ...base, status: 'fail', message: `check ${check.id} failed: ${check.description} (failures=${failures}, observed: ${observed ?? 'n/a'})` };
}

// ---------------------------------------------------------------------------------------------
// The check window
// ---------------------------------------------------------------------------------------------

/**
 * The UTC days a run's data checks look at, both ends included (`yyyy-MM-dd`). Data checks read
 * only the partitions of these days (silver and gold by event_date, bronze, quarantine and the
 * ledger by the source path's year/month/day), so their cost does not grow with the lake.
 */
export interface CheckWindow {
  readonly firstDay: string;
  readonly lastDay: string;
}

/** Days a deployed stack's data checks look at by default: today (UTC), the day being written. */
export const DEFAULT_WINDOW_DAYS = 1;
/** The longest window a deployed stack may ask for. */
export const MAX_WINDOW_DAYS = 366;

const DAY_MS = 86_400_000;

/** `yyyy-MM-dd` of a UTC day number (days since 1970-01-01). */
function isoDay(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a `yyyy-MM-dd` date; throws naming the value when it is not one. */
function dayNumber(iso: string, what: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== iso) throw new Error(`check window: ${what} '${iso}' is not a yyyy-MM-dd date`);
  return ms / DAY_MS;
}

/** The `days` UTC days ending with `lastDay` (`yyyy-MM-dd`). */
export function windowEndingOn(lastDay: string, days: number): CheckWindow {
  if (!Number.isInteger(days) || days < 1) throw new Error(`check window: expected a whole number of days of at least 1, got ${days}`);
  return { firstDay: isoDay(dayNumber(lastDay, 'last day') - days + 1), lastDay };
}

/** The `days` UTC days ending with the day of `nowMs` (milliseconds since the epoch). */
export function windowEndingAt(nowMs: number, days: number): CheckWindow {
  return windowEndingOn(new Date(nowMs).toISOString().slice(0, 10), days);
}

/** A window's partition predicates and bounds, as SQL text valid on Trino, DuckDB and Spark. */
export function windowPredicates(window: CheckWindow): Record<string, string> {
  const first = dayNumber(window.firstDay, 'first day');
  const last = dayNumber(window.lastDay, 'last day');
  if (first > last) throw new Error(`check window: first day ${window.firstDay} is after last day ${window.lastDay}`);
  const days: string[] = [];
  for (let d = first; d <= last; d++) days.push(isoDay(d));
  const distinct = (part: (iso: string) => string) =>
    [...new Set(days.map(part))]
      .sort()
      .map((v) => `'${v}'`)
      .join(', ');
  const key = (iso: string) => `'${iso.replace(/-/g, '')}'`;
  const dateRange = (from: number, to: number) => `event_date BETWEEN DATE '${isoDay(from)}' AND DATE '${isoDay(to)}'`;
  const pathDay = (column: string) =>
    `regexp_extract(${column}, 'year=([0-9]{4})/', 1) || regexp_extract(${column}, 'month=([0-9]{2})/', 1) || regexp_extract(${column}, 'day=([0-9]{2})/', 1)`;
  return {
    // Silver and gold: the event days of the window.
    event_dates: dateRange(first, last),
    // Silver rows of the window's source files: an event is at most one day away from its file's day.
    event_dates_margin: dateRange(first - 1, last + 1),
    // Bronze, quarantine, ledger. The IN lists are what partition projection prunes on (one
    // domain per key); the comparison of the joined keys makes the range exact.
    source_days:
      `year IN (${distinct((d) => d.slice(0, 4))}) AND month IN (${distinct((d) => d.slice(5, 7))}) AND day IN (${distinct((d) => d.slice(8, 10))})` +
      ` AND (year || month || day) BETWEEN ${key(window.firstDay)} AND ${key(window.lastDay)}`,
    // Rows of any table whose source file's path day is in the window.
    source_file_days: `(${pathDay('source_file')}) BETWEEN ${key(window.firstDay)} AND ${key(window.lastDay)}`,
    first_date: `'${window.firstDay}'`,
    last_date: `'${window.lastDay}'`,
  };
}

const WINDOW_PLACEHOLDER = /\{\{\s*window\.([a-z_]+)\s*\}\}/g;

/** True when `sql` still has `{{window.*}}` placeholders. */
export function hasWindowPlaceholders(sql: string): boolean {
  return new RegExp(WINDOW_PLACEHOLDER.source).test(sql);
}

/** Substitutes every `{{window.<name>}}` placeholder with the window's literal predicate or bound. */
export function renderCheckWindow(sql: string, window: CheckWindow): string {
  const predicates = windowPredicates(window);
  return sql.replace(new RegExp(WINDOW_PLACEHOLDER.source, 'g'), (_, name: string) => {
    const text = predicates[name];
    if (text === undefined)
      throw new Error(`check SQL refers to unknown window placeholder {{window.${name}}}: expected one of ${Object.keys(predicates).join(', ')}`);
    return text;
  });
}
