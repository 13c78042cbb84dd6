/**
 * Runs the validation checks on Trino exactly as the validation provider sends them to Athena:
 * the same rendering of table names (renderChecksForAthena) and of the check window, one
 * statement per check with the gold database as the session schema, and the same evaluation of
 * the one result row.
 */
import { defaultValidationChecks, renderChecksForAthena } from '../../../components/athena-validation';
import type { ValidationDatabases } from '../../../components/athena-validation-provider';
import { CheckDefinition, CheckResult, CheckWindow, evaluateCheckRow, renderCheckWindow } from '../../../etl/checks';
import { rowObjects, trinoQuery } from './client';
import { TRINO_CATALOG } from './lake-catalog';

export async function runTrinoChecks(
  url: string,
  databases: ValidationDatabases,
  window: CheckWindow,
  include: (check: CheckDefinition) => boolean = () => true,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of renderChecksForAthena(defaultValidationChecks().filter(include), databases)) {
    try {
      const rows = rowObjects(await trinoQuery({ url, catalog: TRINO_CATALOG, schema: check.database }, renderCheckWindow(check.sql, window)));
      if (rows.length !== 1) throw new Error(`returned ${rows.length} rows, expected 1`);
      results.push(evaluateCheckRow(check, rows[0] as { failures: unknown; rows_checked: unknown; observed: unknown }));
    } catch (err) {
      const message = `check ${check.id} could not run on Trino: ${(err as Error).message.split('\n')[0]}`;
      results.push({ id: check.id, kind: check.kind, status: 'error', failures: null, rowsChecked: null, observed: null, message });
    }
  }
  return results;
}
