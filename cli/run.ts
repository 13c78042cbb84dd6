import * as fs from 'fs';
import { UsageError } from './args';
import { Command } from './command';
import { isReadableDir } from './lake-input';
import { formatCount, formatSeconds } from '../etl/local/format';
import type { RunSummary } from '../etl/local/engine';
import { assertEngineAvailable, ENGINE_FLAG, runChosenEngine } from './engine-flag';
import type { EngineName } from '../etl/engines';

/** `lakehouse run --source DIR --lake DIR`: one incremental pass of the local engine. */
export const command: Command = {
  name: 'run',
  summary: 'One incremental pass of the medallion pipeline over a source folder.',
  flags: [
    {
      name: 'source',
      type: 'string',
      placeholder: 'DIR',
      required: true,
      description: 'Folder laid out like the source bucket (events/year=YYYY/month=MM/day=DD/hour=HH/...jsonl.gz).',
    },
    {
      name: 'lake',
      type: 'string',
      placeholder: 'DIR',
      required: true,
      description: 'Lake folder (bronze/, silver/, quarantine/, gold/, _state/); created when missing.',
    },
    ENGINE_FLAG,
    {
      name: 'max-files',
      type: 'integer',
      placeholder: 'N',
      min: 1,
      description: 'Read at most N new source files in this run, the first by key; the rest wait for later runs (default: no limit).',
    },
  ],
  details:
    'Only files not processed before are read; they are added to bronze, quarantine and silver, and gold changes only for the hours whose silver the batch changed.',
  async run(flags) {
    const source = String(flags.source);
    const lake = String(flags.lake);
    if (!isReadableDir(source)) throw new UsageError(`--source: '${source}' is not a readable folder: expected a folder laid out like the source bucket`);
    if (fs.existsSync(lake) && !fs.statSync(lake).isDirectory()) throw new UsageError(`--lake: '${lake}' is not a folder`);
    assertEngineAvailable(flags.engine as EngineName);
    const started = Date.now();
    const summary = await runChosenEngine(flags.engine as EngineName, {
      source,
      lake,
      maxFiles: flags['max-files'] as number | undefined,
      log: (line) => console.error(line),
    });
    console.log(summaryLines(summary, (Date.now() - started) / 1000).join('\n'));
    return 0;
  },
};

/** What one run did, as printed: figures, quarantine reasons, partitions written, duration. */
export function summaryLines(s: RunSummary, seconds: number): string[] {
  const n = formatCount;
  const lines = [
    `files ${n(s.batchFiles)}  lines ${n(s.linesRead)}  bronze ${n(s.bronzeRows)}  silver +${n(s.silverRowsAdded)}  duplicates dropped ${n(s.duplicatesDropped)}  ` +
      `quarantined ${n(s.recordsQuarantined)}  corrupt files ${n(s.corruptFiles)}`,
  ];
  const reasons = Object.entries(s.quarantinedByReason);
  if (reasons.length > 0) lines.push(`quarantine by reason: ${reasons.map(([r, c]) => `${r}=${n(c)}`).join(' ')}`);
  const parts = Object.entries(s.partitionsRewritten);
  if (parts.length > 0) lines.push(`partitions written: ${parts.map(([t, c]) => `${t}=${n(c)}`).join(' ')}`);
  const compacted = Object.entries(s.partitionsCompacted);
  if (compacted.length > 0) lines.push(`partitions compacted into one file: ${compacted.map(([t, c]) => `${t}=${n(c)}`).join(' ')}`);
  lines.push(`done in ${formatSeconds(seconds)}`);
  return lines;
}
