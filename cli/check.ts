import type { CheckResult } from '../etl/check-runtime';
import { Command } from './command';
import { LAKE_FLAG, readableLake } from './lake-input';
import { textTable } from './output';

/** `lakehouse check --lake DIR`: the shared validation checks; exit 1 naming each failure. */
export const command: Command = {
  name: 'check',
  summary: 'Run the validation checks against a local lake; exit 1 naming each failed check.',
  flags: [LAKE_FLAG],
  details: 'The same check definitions run through Athena after every deployment.',
  async run(flags) {
    const lake = readableLake(flags.lake);
    // Loaded here so that --help and flag errors never load DuckDB.
    const { runLocalChecks } = require('../etl/local/checks') as typeof import('../etl/local/checks');
    const results = await runLocalChecks(lake);
    console.log(
      textTable(
        ['status', 'check', 'observed'],
        results.map((r) => [r.status.toUpperCase(), r.id, r.observed ?? '']),
      ),
    );
    const { failsRun } = require('../etl/check-runtime') as typeof import('../etl/check-runtime');
    const bad = results.filter(failsRun);
    for (const r of bad) console.error(r.message ?? `check ${r.id}: ${r.status}`);
    console.log(verdictLine(results, bad));
    return bad.length > 0 ? 1 : 0;
  },
};

/** `23/23 checks passed or had no data; 2 observations reported (never failing); failed: ...` */
export function verdictLine(results: readonly CheckResult[], failed: readonly CheckResult[]): string {
  const observations = results.filter((r) => r.kind === 'observation').length;
  const invariants = results.length - observations;
  const reported = observations > 0 ? `; ${observations} observation${observations === 1 ? '' : 's'} reported (never failing)` : '';
  const failures = failed.length > 0 ? `; failed: ${failed.map((r) => r.id).join(', ')}` : '';
  const failedInvariants = failed.filter((r) => r.kind !== 'observation').length;
  return `${invariants - failedInvariants}/${invariants} checks passed or had no data${reported}${failures}`;
}
