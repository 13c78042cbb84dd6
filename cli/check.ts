import { UsageError } from './args';
import { Command } from './command';
import { runLocalChecks } from '../etl/local/checks';
import { isReadableDir } from './run';

/** `lakehouse check --lake DIR`: the shared validation checks; exit 1 naming each failure. */
export const command: Command = {
  name: 'check',
  summary: 'Run the validation checks against a local lake; exit 1 naming each failed check.',
  flags: [{ name: 'lake', type: 'string', placeholder: 'DIR', required: true, description: "Lake folder written by 'lakehouse run'." }],
  details: 'The same check definitions (etl/checks.ts) run through Athena after every deployment.',
  async run(flags) {
    const lake = String(flags.lake);
    if (!isReadableDir(lake)) throw new UsageError(`--lake: '${lake}' is not a readable folder: expected a folder written by 'lakehouse run'`);
    const results = await runLocalChecks(lake);
    const width = Math.max(...results.map((r) => r.id.length));
    for (const r of results) console.log(`${r.status.toUpperCase().padEnd(7)} ${r.id.padEnd(width)}  ${r.observed ?? ''}`);
    const bad = results.filter((r) => r.status === 'fail' || r.status === 'error');
    for (const r of bad) console.error(r.message ?? `check ${r.id}: ${r.status}`);
    console.log(`${results.length - bad.length}/${results.length} checks passed or had no data${bad.length ? `; failed: ${bad.map((r) => r.id).join(', ')}` : ''}`);
    return bad.length > 0 ? 1 : 0;
  },
};
