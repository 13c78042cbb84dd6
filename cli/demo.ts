/**
 * `lakehouse demo` (= `npm start`), the main job: generate one hour of starter-compatible events,
 * process it in 5-minute batches exactly as the schedule would (each batch sees only the files
 * that have "arrived" so far), then print and report what every layer holds, what was dropped or
 * quarantined and why, the 5 business queries and the validation checks.
 *
 * The generator writes all files into a private staging folder first; before each batch one file
 * is copied into <workdir>/source, so the engine's incremental logic (only new files) is what is
 * demonstrated, not a one-shot bulk load.
 *
 * Only demo output is ever deleted: <workdir>/source, <workdir>/lake and <workdir>/report.html,
 * and only in a folder that carries the demo's marker file (or has none of them yet).
 */
import { promises as fs, existsSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { CheckResult } from '../etl/checks';
import { checksPassed, ReconciliationRow, renderReport, ReportBatch, ReportQuery } from '../etl/local/report';
import { FlagValues, UsageError } from './args';
import { Command } from './command';

/** A fixed default hour, so two runs with the same flags produce the same data and figures; it
 * straddles 18:00, so the per-hour results and the event-time partitioning show two hours. */
export const DEFAULT_START = '2025-11-19T17:30:00Z';
export const DEFAULT_EVENTS_PER_FILE = 20_000;
/** The schedule's interval: one file every 5 minutes. */
const INTERVAL_MINUTES = 5;
const MARKER = '.lakehouse-demo';
/** What the demo owns inside the work folder; nothing else is ever deleted. */
const OWNED = ['source', 'lake', 'report.html'] as const;
/** Query rows printed per query on the terminal; the HTML report lists more. */
const PRINTED_QUERY_ROWS = 10;

/** The four fault kinds the generator injects, one fault per record (quarantine reasons). */
const INJECTED_REASONS = ['malformed_json', 'missing_field', 'unknown_event_type', 'bad_type'] as const;

interface DemoOptions {
  readonly workdir: string;
  readonly eventsPerFile: number;
  readonly files: number;
  readonly seed: number;
  readonly duplicateRate: number;
  readonly malformedRate: number;
  readonly start: Date;
}

export const command: Command = {
  name: 'demo',
  summary:
    'Generate one hour of clickstream events (12 files, 5 minutes apart), process them in 5-minute batches with the ' +
    'embedded DuckDB engine, print per-layer figures, the 5 business queries and the checks, and write an offline HTML report.',
  flags: [
    { name: 'workdir', type: 'string', placeholder: 'DIR', default: './demo', description: 'Work folder; the demo (re)creates only DIR/source, DIR/lake and DIR/report.html.' },
    { name: 'events-per-file', type: 'integer', placeholder: 'N', min: 1, max: 5_000_000, default: DEFAULT_EVENTS_PER_FILE, description: 'Events (JSON lines) per 5-minute file, injected duplicates and faulty lines included; the starter writes 500,000-750,000.' },
    { name: 'files', type: 'integer', placeholder: 'N', min: 1, max: 288, default: 12, description: 'Number of 5-minute files (12 = one hour).' },
    { name: 'seed', type: 'integer', placeholder: 'N', min: 0, max: 2_147_483_647, default: 42, description: 'Random seed: the same seed and flags give the same data.' },
    { name: 'duplicate-rate', type: 'number', placeholder: 'RATE', min: 0, max: 0.5, default: 0.02, description: 'Share of extra lines that repeat an earlier event (dropped by deduplication).' },
    { name: 'malformed-rate', type: 'number', placeholder: 'RATE', min: 0, max: 0.5, default: 0.005, description: 'Share of extra lines with exactly one fault (quarantined with a reason).' },
    { name: 'start', type: 'string', placeholder: 'ISO-8601', default: DEFAULT_START, description: 'Time of the first file, UTC, e.g. 2025-11-19T17:00:00Z.' },
  ],
  details:
    'Exit status: 0 when every check passes and the engine\'s figures reconcile with what the generator injected; ' +
    '1 otherwise; 2 for a bad flag. Data from the previous demo in the same folder is replaced.',
  run: (flags) => runDemo(parseOptions(flags)),
};

function parseOptions(flags: FlagValues): DemoOptions {
  const startText = flags.start as string;
  // Require an explicit zone: a bare local time would silently shift every partition.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(startText) || Number.isNaN(Date.parse(startText))) {
    throw new UsageError(`--start: expected an ISO-8601 time with a zone, e.g. ${DEFAULT_START}, got '${startText}'`);
  }
  return {
    workdir: path.resolve(flags.workdir as string),
    eventsPerFile: flags['events-per-file'] as number,
    files: flags.files as number,
    seed: flags.seed as number,
    duplicateRate: flags['duplicate-rate'] as number,
    malformedRate: flags['malformed-rate'] as number,
    start: new Date(startText),
  };
}

/** Refuses a folder holding a source/ or lake/ the demo did not create; then removes the demo's own output. */
async function prepareWorkdir(workdir: string): Promise<void> {
  const present = OWNED.filter((name) => existsSync(path.join(workdir, name)));
  if (present.length > 0 && !existsSync(path.join(workdir, MARKER))) {
    throw new UsageError(
      `--workdir: ${workdir} already holds ${present.join(', ')} not created by lakehouse demo (no ${MARKER} marker): ` +
        'expected a new or empty folder, or one used by a previous demo',
    );
  }
  for (const name of OWNED) await fs.rm(path.join(workdir, name), { recursive: true, force: true });
  await fs.mkdir(path.join(workdir, 'source'), { recursive: true });
  await fs.writeFile(path.join(workdir, MARKER), 'Created by `lakehouse demo`: its source/, lake/ and report.html are replaced on every run.\n');
}

// ---------------------------------------------------------------------------------------------
// Terminal output
// ---------------------------------------------------------------------------------------------

const int = (n: number) => n.toLocaleString('en-US');
const secs = (s: number) => `${s.toFixed(2)} s`;

/** A compact left/right aligned text table (numbers right-aligned). */
export function textTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '  '): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d,.]+( s|%)?$|^NULL$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// The job
// ---------------------------------------------------------------------------------------------

export async function runDemo(options: DemoOptions, print: (line: string) => void = console.log): Promise<number> {
  // Loaded here, not at the top, so `lakehouse demo --help` and flag errors never load DuckDB.
  // require (typed through `typeof import`) because Node's import() does not resolve folder modules.
  const { generateFiles } = require('../generator') as typeof import('../generator');
  const { runIncremental } = require('../etl/local/engine') as typeof import('../etl/local/engine');
  const { runDeliverableQueries } = require('../etl/local/queries') as typeof import('../etl/local/queries');
  const { runLocalChecks } = require('../etl/local/checks') as typeof import('../etl/local/checks');
  const { tableRowCounts } = require('../etl/local/lake') as typeof import('../etl/local/lake');

  const { workdir } = options;
  await prepareWorkdir(workdir);
  const source = path.join(workdir, 'source');
  const lake = path.join(workdir, 'lake');
  const reportPath = path.join(workdir, 'report.html');
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'lakehouse-demo-'));
  // Ctrl-C must not leave the staging copy of the generated hour behind in the temp folder.
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(staging, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const wallStart = performance.now();

  try {
    print(`Lakehouse demo: ${options.files} files x ${int(options.eventsPerFile)} events, 5 minutes apart from ${options.start.toISOString()}, seed ${options.seed}`);
    print(`Work folder: ${workdir}`);

    const genStart = performance.now();
    const generated = await generateFiles({
      outDir: staging,
      files: options.files,
      minEvents: options.eventsPerFile,
      maxEvents: options.eventsPerFile,
      start: options.start,
      intervalMinutes: INTERVAL_MINUTES,
      seed: options.seed,
      duplicateRate: options.duplicateRate,
      malformedRate: options.malformedRate,
    });
    const genSeconds = (performance.now() - genStart) / 1000;
    const injected = {
      lines: sum(generated.files.map((f) => f.lines)),
      events: sum(generated.files.map((f) => f.events)),
      duplicates: sum(generated.files.map((f) => f.duplicates)),
      malformed: Object.fromEntries(INJECTED_REASONS.map((r) => [r, sum(generated.files.map((f) => f.malformed[r] ?? 0))])) as Record<string, number>,
    };
    print(
      `Generated ${generated.files.length} files in ${secs(genSeconds)}: ${int(injected.lines)} lines = ${int(injected.events)} distinct valid events + ` +
        `${int(injected.duplicates)} duplicates + ${int(sum(Object.values(injected.malformed)))} faulty lines`,
    );
    print('');
    print('Processing one batch per 5-minute file, as the schedule would:');

    const batches: ReportBatch[] = [];
    const stepSeconds: Record<string, number> = {};
    const quarantinedByReason: Record<string, number> = {};
    const totals = { linesRead: 0, bronzeRows: 0, silverRowsAdded: 0, duplicatesDropped: 0, recordsQuarantined: 0, corruptFiles: 0 };
    const ordered = [...generated.files].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
    for (const [i, file] of ordered.entries()) {
      // The file "arrives": copied into the source tree under its bucket key.
      const target = path.join(source, ...file.key.split('/'));
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.copyFile(file.path, target);

      const batchStart = performance.now();
      // The scheduled run starts right after the file lands.
      const summary = await runIncremental({ source, lake, now: new Date(file.eventTime.getTime() + 60_000) });
      const seconds = (performance.now() - batchStart) / 1000;
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += summary[key];
      for (const [step, s] of Object.entries(summary.stepSeconds)) stepSeconds[step] = (stepSeconds[step] ?? 0) + s;
      for (const [reason, n] of Object.entries(summary.quarantinedByReason)) quarantinedByReason[reason] = (quarantinedByReason[reason] ?? 0) + n;
      batches.push({
        index: i + 1,
        file: file.key,
        linesRead: summary.linesRead,
        silverRowsAdded: summary.silverRowsAdded,
        duplicatesDropped: summary.duplicatesDropped,
        recordsQuarantined: summary.recordsQuarantined,
        seconds,
      });
      const n = String(ordered.length).length;
      print(
        `  [${String(i + 1).padStart(n)}/${ordered.length}] ${path.posix.basename(file.key)}  files ${summary.batchFiles}  lines ${int(summary.linesRead)}  ` +
          `silver +${int(summary.silverRowsAdded)}  duplicates ${int(summary.duplicatesDropped)}  quarantined ${int(summary.recordsQuarantined)}  ${secs(seconds)}`,
      );
    }

    const rowCounts = await tableRowCounts(lake);
    const queries: ReportQuery[] = await runDeliverableQueries(lake);
    const checks: CheckResult[] = await runLocalChecks(lake);

    const reconciliation: ReconciliationRow[] = [
      { figure: 'lines read', injected: injected.lines, engine: totals.linesRead },
      { figure: 'events kept in silver', injected: injected.events, engine: totals.silverRowsAdded },
      { figure: 'silver.events rows', injected: injected.events, engine: rowCounts['silver.events'] ?? 0 },
      { figure: 'duplicates dropped', injected: injected.duplicates, engine: totals.duplicatesDropped },
      { figure: 'quarantined (all reasons)', injected: sum(Object.values(injected.malformed)), engine: totals.recordsQuarantined },
      ...[...new Set([...INJECTED_REASONS, ...Object.keys(quarantinedByReason)])].map((reason) => ({
        figure: `quarantined: ${reason}`,
        injected: injected.malformed[reason] ?? 0,
        engine: quarantinedByReason[reason] ?? 0,
      })),
      { figure: 'corrupt files', injected: 0, engine: totals.corruptFiles },
    ];

    print('');
    print('Rows per table:');
    print(textTable(['table', 'rows'], Object.entries(rowCounts).map(([t, n]) => [t, int(n)])));
    print('');
    print(`Duplicates dropped: ${int(totals.duplicatesDropped)}   Records quarantined: ${int(totals.recordsQuarantined)}   Corrupt files: ${totals.corruptFiles}`);
    print('Quarantined by reason:');
    const reasons = Object.entries(quarantinedByReason);
    print(reasons.length ? textTable(['reason', 'records'], reasons.map(([r, n]) => [r, int(n)])) : '  (none)');
    print('');
    print('Reconciliation, generator (injected) vs engine (counted):');
    print(textTable(['figure', 'injected', 'engine', 'match'], reconciliation.map((r) => [r.figure, int(r.injected), int(r.engine), r.injected === r.engine ? 'yes' : 'NO'])));
    print('');
    const totalStepSeconds = sum(Object.values(stepSeconds));
    print(`Time per step (sum over ${batches.length} batches):`);
    print(textTable(['step', 'seconds'], [...Object.entries(stepSeconds).map(([s, t]) => [s, t.toFixed(3)]), ['total', totalStepSeconds.toFixed(3)]]));

    for (const q of queries) {
      print('');
      print(`Query ${q.id} (${q.name}): ${q.question}`);
      const rows = q.rows.slice(0, PRINTED_QUERY_ROWS).map((r) => q.columns.map((c) => formatValue(r[c])));
      print(rows.length ? textTable(q.columns, rows) : '  (no rows)');
      if (q.rows.length > PRINTED_QUERY_ROWS) print(`  ... ${q.rows.length - PRINTED_QUERY_ROWS} more rows in the report`);
    }

    print('');
    print('Checks:');
    print(textTable(['check', 'status', 'observed'], checks.map((c) => [c.id, c.status, c.observed ?? ''])));
    for (const c of checks.filter((x) => x.message)) print(`  ${c.status}: ${c.message}`);

    const reconciled = reconciliation.every((r) => r.injected === r.engine);
    const passed = checksPassed(checks) && reconciled;
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const html = renderReport({
      title: 'Lakehouse demo: one hour of clickstream through bronze, silver and gold',
      generatedAt: new Date(),
      settings: [
        ['Work folder', workdir],
        ['Files', `${options.files} (one every ${INTERVAL_MINUTES} minutes from ${options.start.toISOString()})`],
        ['Lines (events) per file', int(options.eventsPerFile)],
        ['Duplicate rate / malformed rate', `${options.duplicateRate} / ${options.malformedRate}`],
        ['Seed', String(options.seed)],
        ['Generation', secs(genSeconds)],
        ['Wall time (generation, batches, queries, checks)', secs(wallSeconds)],
      ],
      batches,
      rowCounts,
      reconciliation,
      quarantinedByReason,
      stepSeconds,
      queries,
      checks,
    });
    await fs.writeFile(reportPath, html);

    print('');
    if (!reconciled) print('Reconciliation FAILED: the engine\'s figures differ from what the generator injected (rows marked NO above).');
    const failed = checks.filter((c) => c.status === 'fail' || c.status === 'error').map((c) => c.id);
    print(
      passed
        ? `All ${checks.length} checks passed (${checks.filter((c) => c.status === 'no-data').length} without data) in ${secs(wallSeconds)}.`
        : `FAILED: ${[...failed, ...(reconciled ? [] : ['reconciliation with the generator'])].join(', ')}`,
    );
    print(`Report: ${reportPath}`);
    return passed ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await fs.rm(staging, { recursive: true, force: true });
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
