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
    const observed = results.filter((r) => r.status === 'observed').length;
    const observations = observed > 0 ? ` (${observed} observation${observed === 1 ? '' : 's'} reported, never failing)` : '';
    console.log(
      `${results.length - bad.length}/${results.length} checks passed or had no data${observations}${bad.length ? `; failed: ${bad.map((r) => r.id).join(', ')}` : ''}`,
    );
    return bad.length > 0 ? 1 : 0;
  },
};
