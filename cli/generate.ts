/**
 * `lakehouse generate`: writes starter-compatible event files under a folder laid out like the
 * source bucket. Every flag is validated (including that --out can be written) before any file is.
 */
import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';
import { FlagValues, UsageError } from './args';
import { Command } from './command';
import { DEFAULT_MAX_EVENTS, DEFAULT_MIN_EVENTS } from '../generator/defaults';
import { LAKE_START_YEAR } from '../etl/schema';

/**
 * Default --start: a fixed instant (the day of the starter sample), so that a command without
 * --start gives the same bytes on every run. Pass --start for other times.
 */
export const DEFAULT_START = '2025-11-19T17:00:00Z';

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses an ISO-8601 instant; a missing offset means UTC (as silver reads the source). */
export function parseStart(raw: string): Date {
  const m = ISO_INSTANT.exec(raw);
  const fail = () => new UsageError(`--start: expected an ISO-8601 time such as 2025-11-19T17:00:00Z, got '${raw}'`);
  if (!m) throw fail();
  const [, y, mo, d, h = '00', mi = '00', s = '00', offset] = m;
  const normalized = raw.length === 10 ? `${raw}T00:00:00Z` : offset ? raw : `${raw}Z`;
  const date = new Date(normalized);
  if (Number.isNaN(date.getTime())) throw fail();
  // Date.parse rolls impossible fields over (Feb 30 -> Mar 2) in some engines: insist they survive.
  const probe = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  if (
    probe.getUTCFullYear() !== +y ||
    probe.getUTCMonth() !== +mo - 1 ||
    probe.getUTCDate() !== +d ||
    probe.getUTCHours() !== +h ||
    probe.getUTCMinutes() !== +mi ||
    probe.getUTCSeconds() !== +s
  )
    throw fail();
  return date;
}

/** Fails unless `dir` exists as a writable folder or can be created under a writable folder. */
export function checkWritableDir(dir: string): void {
  const resolved = path.resolve(dir);
  let probe = resolved;
  for (;;) {
    let stat;
    try {
      stat = statSync(probe);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const parent = path.dirname(probe);
        if (parent === probe) throw new UsageError(`--out: expected a writable folder, got '${dir}' (no existing parent)`);
        probe = parent;
        continue;
      }
      throw new UsageError(`--out: expected a writable folder, got '${dir}' (${code ?? String(err)})`);
    }
    if (!stat.isDirectory()) throw new UsageError(`--out: expected a writable folder, got '${dir}' ('${probe}' is not a folder)`);
    try {
      accessSync(probe, constants.W_OK | constants.X_OK);
    } catch {
      throw new UsageError(`--out: expected a writable folder, got '${dir}' ('${probe}' is not writable)`);
    }
    return;
  }
}

export interface GenerateRequest {
  outDir: string;
  files: number;
  minEvents: number;
  maxEvents: number;
  start: Date;
  intervalMinutes: number;
  seed: number;
  duplicateRate: number;
  malformedRate: number;
  timestampStyle: 'python' | 'z' | 'mixed';
  gzipLevel: number;
}

/** Turns parsed flags into generator options, or throws a UsageError naming the flag. */
export function toRequest(flags: FlagValues): GenerateRequest {
  const num = (name: string) => flags[name] as number | undefined;
  const perFile = num('events-per-file');
  const min = num('min-events');
  const max = num('max-events');
  if (perFile !== undefined && (min !== undefined || max !== undefined)) {
    throw new UsageError(`--events-per-file: expected either --events-per-file or --min-events/--max-events, not both`);
  }
  const minEvents = perFile ?? min ?? Math.min(DEFAULT_MIN_EVENTS, max ?? DEFAULT_MIN_EVENTS);
  const maxEvents = perFile ?? max ?? Math.max(DEFAULT_MAX_EVENTS, minEvents);
  if (maxEvents < minEvents) throw new UsageError(`--max-events: expected a whole number >= --min-events (${minEvents}), got ${maxEvents}`);
  const duplicateRate = num('duplicate-rate') ?? 0;
  const malformedRate = num('malformed-rate') ?? 0;
  if (duplicateRate + malformedRate > 1)
    throw new UsageError(`--duplicate-rate: expected --duplicate-rate + --malformed-rate <= 1, got ${duplicateRate} + ${malformedRate}`);
  const files = num('files') ?? 1;
  const intervalMinutes = num('interval-minutes') ?? 5;
  const start = parseStart(String(flags.start ?? DEFAULT_START));
  // The lake holds years LAKE_START_YEAR..9999 (etl/schema.ts); the last file must fit too.
  const lastPath = start.getTime() + (files - 1) * intervalMinutes * 60_000 + 60_000;
  if (start.getUTCFullYear() < LAKE_START_YEAR || new Date(lastPath).getUTCFullYear() > 9999) {
    throw new UsageError(`--start: expected a time whose files all fall in the years ${LAKE_START_YEAR}-9999, got '${String(flags.start)}'`);
  }
  const outDir = String(flags.out);
  checkWritableDir(outDir);
  return {
    outDir,
    files,
    minEvents,
    maxEvents,
    start,
    intervalMinutes,
    seed: num('seed') ?? 1,
    duplicateRate,
    malformedRate,
    timestampStyle: (flags['timestamp-style'] as GenerateRequest['timestampStyle'] | undefined) ?? 'python',
    gzipLevel: num('gzip-level') ?? 6,
  };
}

const size = (bytes: number) => (bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)}MB` : `${(bytes / 1000).toFixed(1)}kB`);

export const command: Command = {
  name: 'generate',
  summary: 'Write starter-compatible gzipped JSON Lines event files in the source bucket layout (events/year=.../minute=.../events-*.jsonl.gz).',
  flags: [
    { name: 'out', type: 'string', placeholder: 'DIR', required: true, description: 'Folder to write under (like the source bucket root).' },
    { name: 'files', type: 'integer', placeholder: 'N', min: 1, max: 100_000, default: 1, description: 'Number of files, one per interval.' },
    {
      name: 'events-per-file',
      type: 'integer',
      placeholder: 'N',
      min: 1,
      max: 50_000_000,
      description: 'Exact lines per file (instead of --min-events/--max-events).',
    },
    { name: 'min-events', type: 'integer', placeholder: 'N', min: 1, max: 50_000_000, description: `Fewest lines per file (default ${DEFAULT_MIN_EVENTS}).` },
    { name: 'max-events', type: 'integer', placeholder: 'N', min: 1, max: 50_000_000, description: `Most lines per file (default ${DEFAULT_MAX_EVENTS}).` },
    {
      name: 'start',
      type: 'string',
      placeholder: 'ISO',
      default: DEFAULT_START,
      description: 'Event time of the first file (ISO-8601; no offset = UTC; sub-seconds come from the seed).',
    },
    { name: 'interval-minutes', type: 'integer', placeholder: 'M', min: 1, max: 1440, default: 5, description: 'Minutes between files (backfills).' },
    {
      name: 'seed',
      type: 'integer',
      placeholder: 'S',
      min: 0,
      max: 0xffffffff,
      default: 1,
      description: 'Seed: the same seed and flags give byte-identical files.',
    },
    {
      name: 'duplicate-rate',
      type: 'number',
      placeholder: 'R',
      min: 0,
      max: 1,
      default: 0,
      description: 'Share of lines that re-emit an earlier event exactly (at-least-once delivery).',
    },
    {
      name: 'malformed-rate',
      type: 'number',
      placeholder: 'R',
      min: 0,
      max: 1,
      default: 0,
      description: 'Share of lines with one fault: broken JSON, wrong type, unknown event_type or missing field.',
    },
    {
      name: 'timestamp-style',
      type: 'choice',
      placeholder: 'STYLE',
      choices: ['python', 'z', 'mixed'],
      default: 'python',
      description: "python (2025-11-19T17:54:54.718325+00:00, the starter's), z (...54.718Z) or mixed (per file, with and without fraction).",
    },
    {
      name: 'gzip-level',
      type: 'integer',
      placeholder: 'L',
      min: 1,
      max: 9,
      default: 6,
      description: 'gzip level (the starter uses 9: smaller, several times slower).',
    },
  ],
  details:
    'Files land at DIR/events/year=YYYY/month=MM/day=DD/hour=HH/minute=mm/events-YYYYMMDD-HHMMSS.jsonl.gz. ' +
    'The path time is the event time plus a deterministic generation lag (1 s per started 100,000 lines, 1-30 s), ' +
    'as the starter names a file after generating it: events at 17:59:59 can land under hour=18.',
  async run(flags) {
    const request = toRequest(flags);
    // Loaded only after validation succeeded (and to keep `--help` fast).
    const { generateFiles } = require('../generator/index') as typeof import('../generator/index');
    const { files } = await generateFiles(request);
    const totals = { lines: 0, events: 0, duplicates: 0, malformed: 0, raw: 0, gzip: 0 };
    for (const f of files) {
      const malformed = Object.values(f.malformed).reduce((a, b) => a + b, 0);
      const kinds = Object.entries(f.malformed)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k}=${n}`)
        .join(',');
      console.log(
        `wrote ${f.path}  lines=${f.lines} events=${f.events} duplicates=${f.duplicates} malformed=${malformed}${kinds ? ` (${kinds})` : ''} ` +
          `event_time=${f.eventTime.toISOString()} raw=${size(f.rawBytes)} gzip=${size(f.gzipBytes)}`,
      );
      totals.lines += f.lines;
      totals.events += f.events;
      totals.duplicates += f.duplicates;
      totals.malformed += malformed;
      totals.raw += f.rawBytes;
      totals.gzip += f.gzipBytes;
    }
    console.log(
      `total: ${files.length} file(s) under ${path.resolve(request.outDir)}  lines=${totals.lines} events=${totals.events} duplicates=${totals.duplicates} malformed=${totals.malformed} raw=${size(totals.raw)} gzip=${size(totals.gzip)}`,
    );
    return 0;
  },
};
