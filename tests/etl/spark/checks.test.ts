/**
 * The check SQL means the same on Spark as on DuckDB: the shared checks, rendered with a window,
 * runs on a local SparkSession (tests/helpers/run_checks_spark.py) over the same tampered lake,
 * and gives the same status, failures, rows checked and figures as the local runner.
 * Skipped with the reason when the Spark environment (`npm run setup:spark`) is absent (in CI it fails).
 */
import { spawnSync } from 'child_process';
import { expect } from 'chai';
import * as path from 'path';
import { CHECKS, CheckResult, evaluateCheckRow, renderCheckSql, renderCheckWindow, windowEndingOn } from '../../../etl/checks';
import { runLocalChecks } from '../../../etl/local/checks';
import { listPartitionDirs } from '../../../etl/local/partitions';
import { allColumns, LAKE_TABLES, silverEvents } from '../../../etl/schema';
import { buildTwoDayLake, duplicateOneRow, tamper } from '../../helpers/check-lakes';
import { sparkPythonOrSkip } from '../../helpers/spark';
import { tempDir } from '../../helpers/source-files';

/**
 * The checks run on Spark: every data check and observation, and one instance of the
 * table_readable template (its other instances differ only in the table; Spark's start-up and
 * per-query planning dominate this test's time).
 */
const SPARK_CHECKS = CHECKS.filter((c) => c.kind !== 'structural' || c.id === 'table_readable_silver_events');

/** Runs the checks on Spark; the window is rendered as for Athena. */
function runSparkChecks(python: string, lake: string, window: ReturnType<typeof windowEndingOn>): CheckResult[] {
  const viewName = (t: { database: string; name: string }) => `${t.database}_${t.name}`;
  const spec = {
    temp: tempDir('sparkchecks'),
    tables: LAKE_TABLES.map((t) => ({
      view: viewName(t),
      path: path.join(lake, ...t.location.split('/')),
      ddl: allColumns(t)
        .map((c) => `${c.name} ${c.type.toUpperCase()}`)
        .join(', '),
    })),
    checks: SPARK_CHECKS.map((c) => ({ id: c.id, sql: renderCheckWindow(renderCheckSql(c.sql, viewName), window) })),
  };
  const run = spawnSync(python, [path.join(__dirname, '..', '..', 'helpers', 'run_checks_spark.py')], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    timeout: 540_000,
  });
  expect(run.status, run.stderr).to.equal(0);
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; error?: string; failures?: unknown; rows_checked?: unknown; observed?: unknown });
  return lines.map((line) => {
    const check = CHECKS.find((c) => c.id === line.id)!;
    if (line.error !== undefined)
      return { id: line.id, kind: check.kind, status: 'error', failures: null, rowsChecked: null, observed: null, message: line.error };
    return evaluateCheckRow(check, { failures: line.failures, rows_checked: line.rows_checked, observed: line.observed });
  });
}

describe('validation checks on Spark', function () {
  this.timeout(600_000);

  it('give the same results as on DuckDB, inside and outside the window', async function () {
    const python = sparkPythonOrSkip(this);
    const lake = await buildTwoDayLake();
    const rel = listPartitionDirs(lake, silverEvents).find((d) => d.includes('event_date=2025-11-18'))!;
    await tamper(lake, rel, duplicateOneRow);
    const window = windowEndingOn('2025-11-19', 2);
    const local = await runLocalChecks(lake, SPARK_CHECKS, { window });
    const spark = runSparkChecks(python, lake, window);
    const summary = (results: CheckResult[]) =>
      results.map((r) => ({
        id: r.id,
        status: r.status,
        failures: r.failures,
        rowsChecked: r.rowsChecked,
        observed: r.observed,
        message: r.status === 'error' ? r.message : undefined,
      }));
    expect(summary(spark)).to.deep.equal(summary(local));
    // Not vacuous: the tampered day is inside the window, so invariants fail on both engines.
    expect(local.filter((r) => r.status === 'fail').map((r) => r.id)).to.include('silver_unique_event');
  });
});
