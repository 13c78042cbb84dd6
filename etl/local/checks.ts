/** Runs the shared validation checks (etl/checks.ts) against a local lake with DuckDB. */
import { loadQueries } from '../../queries';
import { CheckDefinition, CheckResult, CHECKS, evaluateCheckRow, queryChecks, renderCheckSql } from '../checks';
import { openDuck, queryRows } from './duck';
import { assertLakeReadable, localTableName, registerLakeViews } from './lake';

/** Every check definition the local runner executes, in order. */
export function localCheckDefinitions(): CheckDefinition[] {
  return [...CHECKS, ...queryChecks(loadQueries())];
}

export async function runLocalChecks(lake: string, checks: readonly CheckDefinition[] = localCheckDefinitions()): Promise<CheckResult[]> {
  assertLakeReadable(lake);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    const results: CheckResult[] = [];
    for (const check of checks) {
      try {
        const rows = await queryRows(duck.connection, renderCheckSql(check.sql, localTableName));
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
