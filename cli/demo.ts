/**
 * `lakehouse demo` (= `npm start`), the main job: generate one hour of starter-compatible events,
 * process it one batch per 5-minute file (each batch sees only the files that have "arrived" so
 * far), then print and report the 5 business answers, whether every line
 * is accounted for (reconciliation with what the generator injected, quarantine) and the checks.
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
import type { EngineName } from '../etl/engines';
import type { RunSummary } from '../etl/local/engine';
import { formatCount, formatSeconds } from '../etl/local/format';
import type { QueryResult } from '../etl/local/queries';
import { checksPassed, QuarantineSample, ReconciliationRow, renderReport, ReportBatch, ReportInput } from '../etl/local/report';
import type { GeneratedFile } from '../generator';
import { FlagValues, UsageError } from './args';
import { Command } from './command';
import { assertEngineAvailable, ENGINE_FLAG, runChosenEngine } from './engine-flag';
import { textTable, toTable } from './output';

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
/** Sample quarantined lines per reason shown in the report. */
const SAMPLES_PER_REASON = 3;

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
  readonly engine: EngineName;
}

export const command: Command = {
  name: 'demo',
  summary:
    'Generate one hour of clickstream events (12 files, 5 minutes apart), process them in 5-minute batches, print the 5 business ' +
    'answers, the reconciliation and the checks, and write an offline HTML report.',
  flags: [
    {
      name: 'workdir',
      type: 'string',
      placeholder: 'DIR',
      default: './demo',
      description: 'Work folder; the demo (re)creates only DIR/source, DIR/lake and DIR/report.html.',
    },
    {
      name: 'events-per-file',
      type: 'integer',
      placeholder: 'N',
      min: 1,
      max: 5_000_000,
      default: DEFAULT_EVENTS_PER_FILE,
      description: 'Events (JSON lines) per 5-minute file, injected duplicates and faulty lines included; the starter writes 500,000-750,000.',
    },
    { name: 'files', type: 'integer', placeholder: 'N', min: 1, max: 288, default: 12, description: 'Number of 5-minute files (12 = one hour).' },
    {
      name: 'seed',
      type: 'integer',
      placeholder: 'N',
      min: 0,
      max: 2_147_483_647,
      default: 42,
      description: 'Random seed: the same seed and flags give the same data.',
    },
    {
      name: 'duplicate-rate',
      type: 'number',
      placeholder: 'RATE',
      min: 0,
      max: 0.5,
      default: 0.02,
      description: 'Share of extra lines that repeat an earlier event (dropped by deduplication).',
    },
    {
      name: 'malformed-rate',
      type: 'number',
      placeholder: 'RATE',
      min: 0,
      max: 0.5,
      default: 0.005,
      description: 'Share of extra lines with exactly one fault (quarantined with a reason).',
    },
    { name: 'start', type: 'string', placeholder: 'ISO-8601', default: DEFAULT_START, description: 'Time of the first file, UTC, e.g. 2025-11-19T17:00:00Z.' },
    ENGINE_FLAG,
  ],
  details:
    "Exit status: 0 when every check passes and the engine's figures reconcile with what the generator injected; " +
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
    engine: flags.engine as EngineName,
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

/** Runs `fn` with a private temporary folder that is removed afterwards, also on Ctrl-C. */
async function withStagingFolder<T>(fn: (staging: string) => Promise<T>): Promise<T> {
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'lakehouse-demo-'));
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(staging, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(staging);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await fs.rm(staging, { recursive: true, force: true });
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------------------------------------
// The steps of the job
// ---------------------------------------------------------------------------------------------

/** What the generator wrote, which the engine's figures must reproduce. */
interface Injected {
  readonly lines: number;
  readonly events: number;
  readonly duplicates: number;
  readonly malformed: Readonly<Record<string, number>>;
}

async function generateHour(options: DemoOptions, staging: string): Promise<{ files: GeneratedFile[]; injected: Injected; seconds: number }> {
  const { generateFiles } = require('../generator') as typeof import('../generator');
  const started = performance.now();
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
  const files = [...generated.files].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
  const total = (f: (x: GeneratedFile) => number) => sum(files.map(f));
  const injected: Injected = {
    lines: total((f) => f.lines),
    events: total((f) => f.events),
    duplicates: total((f) => f.duplicates),
    malformed: Object.fromEntries(INJECTED_REASONS.map((r) => [r, total((f) => f.malformed[r] ?? 0)])),
  };
  return { files, injected, seconds: (performance.now() - started) / 1000 };
}

/** The engine's figures added up over every batch. */
interface Processed {
  readonly batches: ReportBatch[];
  readonly totals: Record<'linesRead' | 'bronzeRows' | 'silverRowsAdded' | 'duplicatesDropped' | 'recordsQuarantined' | 'corruptFiles', number>;
  readonly stepSeconds: Record<string, number>;
  readonly quarantinedByReason: Record<string, number>;
}

/** One engine run per file, each right after the file "arrives" in the source tree under its bucket key. */
async function processBatches(
  files: readonly GeneratedFile[],
  source: string,
  lake: string,
  engine: EngineName,
  print: (line: string) => void,
): Promise<Processed> {
  const processed: Processed = {
    batches: [],
    totals: { linesRead: 0, bronzeRows: 0, silverRowsAdded: 0, duplicatesDropped: 0, recordsQuarantined: 0, corruptFiles: 0 },
    stepSeconds: {},
    quarantinedByReason: {},
  };
  for (const [i, file] of files.entries()) {
    const target = path.join(source, ...file.key.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(file.path, target);
    const started = performance.now();
    // The scheduled run starts right after the file lands.
    const summary = await runChosenEngine(engine, { source, lake, now: new Date(file.eventTime.getTime() + 60_000) });
    const seconds = (performance.now() - started) / 1000;
    addSummary(processed, summary);
    processed.batches.push({
      index: i + 1,
      file: file.key,
      linesRead: summary.linesRead,
      silverRowsAdded: summary.silverRowsAdded,
      duplicatesDropped: summary.duplicatesDropped,
      recordsQuarantined: summary.recordsQuarantined,
      seconds,
    });
    const width = String(files.length).length;
    print(
      `  [${String(i + 1).padStart(width)}/${files.length}] ${path.posix.basename(file.key)}  lines ${formatCount(summary.linesRead)}  ` +
        `silver +${formatCount(summary.silverRowsAdded)}  duplicates ${formatCount(summary.duplicatesDropped)}  quarantined ${formatCount(summary.recordsQuarantined)}  ${formatSeconds(seconds)}`,
    );
  }
  return processed;
}

function addSummary(processed: Processed, summary: RunSummary): void {
  for (const key of Object.keys(processed.totals) as Array<keyof Processed['totals']>) processed.totals[key] += summary[key];
  for (const [step, s] of Object.entries(summary.stepSeconds)) processed.stepSeconds[step] = (processed.stepSeconds[step] ?? 0) + s;
  for (const [reason, n] of Object.entries(summary.quarantinedByReason))
    processed.quarantinedByReason[reason] = (processed.quarantinedByReason[reason] ?? 0) + n;
}

/** What the lake holds after the last batch: row counts, the 5 answers, the checks, sample rejected lines. */
interface LakeResults {
  readonly rowCounts: Record<string, number>;
  readonly queries: QueryResult[];
  readonly checks: CheckResult[];
  readonly samples: QuarantineSample[];
}

async function readLake(lake: string): Promise<LakeResults> {
  const { tableRowCounts } = require('../etl/local/lake') as typeof import('../etl/local/lake');
  const { runDeliverableQueries, quarantineSamples } = require('../etl/local/queries') as typeof import('../etl/local/queries');
  const { runLocalChecks } = require('../etl/local/checks') as typeof import('../etl/local/checks');
  return {
    rowCounts: await tableRowCounts(lake),
    queries: await runDeliverableQueries(lake),
    checks: await runLocalChecks(lake),
    samples: await quarantineSamples(lake, SAMPLES_PER_REASON),
  };
}

/** Each figure the generator injected beside the engine's count of it. */
function reconcile(injected: Injected, processed: Processed, rowCounts: Readonly<Record<string, number>>): ReconciliationRow[] {
  const { totals, quarantinedByReason } = processed;
  return [
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
}

// ---------------------------------------------------------------------------------------------
// Terminal output and report
// ---------------------------------------------------------------------------------------------

function printAnswers(print: (line: string) => void, queries: readonly QueryResult[]): void {
  for (const q of queries) {
    print('');
    print(`${q.id}. ${q.question} (${q.name})`);
    print(q.rows.length ? toTable(q, { maxRows: PRINTED_QUERY_ROWS, indent: '  ' }) : '  (no rows)');
  }
}

function printAccounting(
  print: (line: string) => void,
  reconciliation: readonly ReconciliationRow[],
  processed: Processed,
  rowCounts: Readonly<Record<string, number>>,
): void {
  const right = [false, true, true, false];
  print('');
  print('Reconciliation, generator (injected) vs engine (counted):');
  print(
    textTable(
      ['figure', 'injected', 'engine', 'match'],
      reconciliation.map((r) => [r.figure, formatCount(r.injected), formatCount(r.engine), r.injected === r.engine ? 'yes' : 'NO']),
      right,
      '  ',
    ),
  );
  print('');
  print('Rows per table:');
  print(
    textTable(
      ['table', 'rows'],
      Object.entries(rowCounts).map(([t, n]) => [t, formatCount(n)]),
      [false, true],
      '  ',
    ),
  );
  const totalStepSeconds = sum(Object.values(processed.stepSeconds));
  print('');
  print(`Time per step (sum over ${processed.batches.length} batches):`);
  print(
    textTable(
      ['step', 'time'],
      [...Object.entries(processed.stepSeconds).map(([s, t]) => [s, formatSeconds(t)]), ['total', formatSeconds(totalStepSeconds)]],
      [false, true],
      '  ',
    ),
  );
}

function printChecks(print: (line: string) => void, checks: readonly CheckResult[]): void {
  print('');
  print('Checks:');
  print(
    textTable(
      ['check', 'status', 'observed'],
      checks.map((c) => [c.id, c.status, c.observed ?? '']),
      [],
      '  ',
    ),
  );
  for (const c of checks.filter((x) => x.message)) print(`  ${c.status}: ${c.message}`);
}

function reportInput(
  options: DemoOptions,
  generation: { injected: Injected; seconds: number },
  processed: Processed,
  results: LakeResults,
  reconciliation: ReconciliationRow[],
  wallSeconds: number,
): ReportInput {
  return {
    title: 'Lakehouse demo: one hour of clickstream through bronze, silver and gold',
    generatedAt: new Date(),
    headline: [
      ['lines read', formatCount(processed.totals.linesRead)],
      ['events in silver', formatCount(results.rowCounts['silver.events'] ?? 0)],
      ['duplicates dropped', formatCount(processed.totals.duplicatesDropped)],
      ['lines quarantined', formatCount(processed.totals.recordsQuarantined)],
      ['batches', formatCount(processed.batches.length)],
    ],
    settings: [
      ['Work folder', options.workdir],
      ['Engine', options.engine],
      ['Files', `${options.files} (one every ${INTERVAL_MINUTES} minutes from ${options.start.toISOString()})`],
      ['Lines (events) per file', formatCount(options.eventsPerFile)],
      ['Duplicate rate / malformed rate', `${options.duplicateRate} / ${options.malformedRate}`],
      ['Seed', String(options.seed)],
      ['Generation', formatSeconds(generation.seconds)],
      ['Wall time (generation, batches, queries, checks)', formatSeconds(wallSeconds)],
    ],
    batches: processed.batches,
    rowCounts: results.rowCounts,
    reconciliation,
    quarantinedByReason: processed.quarantinedByReason,
    quarantineSamples: results.samples,
    stepSeconds: processed.stepSeconds,
    queries: results.queries,
    checks: results.checks,
  };
}

// ---------------------------------------------------------------------------------------------
// The job
// ---------------------------------------------------------------------------------------------

export async function runDemo(options: DemoOptions, print: (line: string) => void = console.log): Promise<number> {
  const { workdir } = options;
  assertEngineAvailable(options.engine);
  await prepareWorkdir(workdir);
  const source = path.join(workdir, 'source');
  const lake = path.join(workdir, 'lake');
  const reportPath = path.join(workdir, 'report.html');
  const wallStart = performance.now();

  return withStagingFolder(async (staging) => {
    print(
      `Lakehouse demo: ${options.files} files x ${formatCount(options.eventsPerFile)} events, 5 minutes apart from ${options.start.toISOString()}, seed ${options.seed}, engine ${options.engine}`,
    );
    print(`Work folder: ${workdir}`);
    const generation = await generateHour(options, staging);
    const { injected } = generation;
    print(
      `Generated ${generation.files.length} files in ${formatSeconds(generation.seconds)}: ${formatCount(injected.lines)} lines = ${formatCount(injected.events)} distinct valid events + ` +
        `${formatCount(injected.duplicates)} duplicates + ${formatCount(sum(Object.values(injected.malformed)))} faulty lines`,
    );
    print('');
    print('Processing one batch per 5-minute file, as each file arrives:');
    const processed = await processBatches(generation.files, source, lake, options.engine, print);
    const results = await readLake(lake);
    const reconciliation = reconcile(injected, processed, results.rowCounts);

    printAnswers(print, results.queries);
    printAccounting(print, reconciliation, processed, results.rowCounts);
    printChecks(print, results.checks);

    const reconciled = reconciliation.every((r) => r.injected === r.engine);
    const passed = checksPassed(results.checks) && reconciled;
    const wallSeconds = (performance.now() - wallStart) / 1000;
    await fs.writeFile(reportPath, renderReport(reportInput(options, generation, processed, results, reconciliation, wallSeconds)));

    print('');
    if (!reconciled) print("Reconciliation FAILED: the engine's figures differ from what the generator injected (rows marked NO above).");
    const failed = results.checks.filter((c) => !checksPassed([c])).map((c) => c.id);
    print(
      passed
        ? `All ${results.checks.length} checks passed (${results.checks.filter((c) => c.status === 'no-data').length} without data) in ${formatSeconds(wallSeconds)}.`
        : `FAILED: ${[...failed, ...(reconciled ? [] : ['reconciliation with the generator'])].join(', ')}`,
    );
    print(`Report: ${reportPath}`);
    return passed ? 0 : 1;
  });
}
