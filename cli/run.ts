import * as fs from 'fs';
import { UsageError } from './args';
import { Command } from './command';
import { runIncremental } from '../etl/local/engine';

/** `lakehouse run --source DIR --lake DIR`: one incremental pass of the local engine. */
export const command: Command = {
  name: 'run',
  summary: 'One incremental pass of the medallion pipeline over a source folder (embedded DuckDB engine).',
  flags: [
    { name: 'source', type: 'string', placeholder: 'DIR', required: true, description: 'Folder laid out like the source bucket (events/year=YYYY/month=MM/day=DD/hour=HH/...jsonl.gz).' },
    { name: 'lake', type: 'string', placeholder: 'DIR', required: true, description: 'Lake folder (bronze/, silver/, quarantine/, gold/, _state/); created when missing.' },
  ],
  details: 'Only files not processed before (or changed since) are read; silver and gold rewrite only the partitions the batch touches.',
  async run(flags) {
    const source = String(flags.source);
    const lake = String(flags.lake);
    if (!isReadableDir(source)) throw new UsageError(`--source: '${source}' is not a readable folder: expected a folder laid out like the source bucket`);
    if (fs.existsSync(lake) && !fs.statSync(lake).isDirectory()) throw new UsageError(`--lake: '${lake}' is not a folder`);
    const started = Date.now();
    const s = await runIncremental({ source, lake, log: (line) => console.error(line) });
    console.log(`files ${s.batchFiles}  lines ${s.linesRead}  bronze ${s.bronzeRows}  silver +${s.silverRowsAdded}  duplicates dropped ${s.duplicatesDropped}  quarantined ${s.recordsQuarantined}  corrupt files ${s.corruptFiles}`);
    const reasons = Object.entries(s.quarantinedByReason);
    if (reasons.length > 0) console.log(`quarantine by reason: ${reasons.map(([r, n]) => `${r}=${n}`).join(' ')}`);
    const parts = Object.entries(s.partitionsRewritten);
    if (parts.length > 0) console.log(`partitions rewritten: ${parts.map(([t, n]) => `${t}=${n}`).join(' ')}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return 0;
  },
};

export function isReadableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.R_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
