/** Runs the shared validation checks (etl/checks.ts) against a local lake with DuckDB. */
import { loadQueries } from '../../queries';
import { CheckDefinition, CheckResult, CheckWindow, CHECKS, evaluateCheckRow, queryChecks, renderCheckSql, renderCheckWindow, windowEndingOn } from '../checks';
import { LAKE_TABLES } from '../schema';
import { openDuck, queryRows } from './duck';
import { assertLakeReadable, localTableName, registerLakeViews } from './lake';
import { listPartitionDirs } from './partitions';

/** Every check definition the local runner executes, in order. */
export function localCheckDefinitions(): CheckDefinition[] {
  return [...CHECKS, ...queryChecks(loadQueries())];
}

export interface LocalCheckOptions {
  /** Look at this many days, ending with the latest day the lake holds. @default every day the lake holds */
  readonly windowDays?: number;
  /** An explicit window; wins over `windowDays`. */
  readonly window?: CheckWindow;
}

/** The day (`yyyy-MM-dd`) of a partition directory: its event_date, or its source path's year/month/day. */
function partitionDay(relDir: string): string | undefined {
  const eventDate = /event_date=(\d{4}-\d{2}-\d{2})/.exec(relDir);
  if (eventDate) return eventDate[1];
  const source = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})/.exec(relDir);
  return source ? `${source[1]}-${source[2]}-${source[3]}` : undefined;
}

/** First and last day of any partition of the lake (listing folders only), or undefined when it has none. */
export function lakeDays(lake: string): CheckWindow | undefined {
  const days = LAKE_TABLES.flatMap((t) => listPartitionDirs(lake, t).map(partitionDay)).filter((d): d is string => d !== undefined);
  if (days.length === 0) return undefined;
  days.sort();
  return { firstDay: days[0], lastDay: days[days.length - 1] };
}

/**
 * The window a local run checks: `options.window`, else the last `windowDays` days the lake
 * holds, else all of them. An empty lake gets today (nothing to read either way).
 */
export function localCheckWindow(lake: string, options: LocalCheckOptions = {}): CheckWindow {
  if (options.window) return options.window;
  const held = lakeDays(lake) ?? windowEndingOn(new Date().toISOString().slice(0, 10), 1);
  return options.windowDays === undefined ? held : windowEndingOn(held.lastDay, options.windowDays);
}

export async function runLocalChecks(
  lake: string,
  checks: readonly CheckDefinition[] = localCheckDefinitions(),
  options: LocalCheckOptions = {},
): Promise<CheckResult[]> {
  assertLakeReadable(lake);
  const window = localCheckWindow(lake, options);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    const results: CheckResult[] = [];
    for (const check of checks) {
      try {
        const rows = await queryRows(duck.connection, renderCheckWindow(renderCheckSql(check.sql, localTableName), window));
        if (rows.length !== 1) throw new Error(`returned ${rows.length} rows, expected 1`);
        results.push(evaluateCheckRow(check, rows[0] as { failures: unknown; rows_checked: unknown; observed: unknown }));
      } catch (err) {
        const message = `check ${check.id} could not run: ${(err as Error).message.split('\n')[0]}`;
        results.push({ id: check.id, kind: check.kind, status: 'error', failures: null, rowsChecked: null, observed: null, message });
      }
    }
    return results;
  } finally {
    duck.close();
  }
}
