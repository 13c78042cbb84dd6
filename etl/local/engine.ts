/**
 * The embedded local engine: one incremental pass of the medallion pipeline on DuckDB.
 *
 * It holds no business logic. It checks the lake folder is its own (lake.ts), takes the run
 * lock, scans the source folder for files not processed yet, streams them into the input views
 * of etl/manifest.json (batch_files, batch_lines), runs the manifest's steps in order (the same
 * SQL files the Glue job runs), reads the partitions `read` steps ask for, replaces the
 * partitions `writes` steps produce (an append adds a file, or compacts a partition that would
 * hold too many), and commits the processed-files state last. A failed run
 * puts back any partition it had moved out without its replacement and removes its staging.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import { manifest as defaultManifest, Manifest, ManifestStep, sqlPath, validateManifest } from '../manifest';
import { duckDbParquetType, formatPartitionValue, LAKE_TABLES, partitionPath, PartitionKeyDef, TableDef, tableById } from '../schema';
import { Duck, literalPath, openDuck, queryRows, sqlString, toNumber } from './duck';
import { InputError, ioInputError, isIoError } from './errors';
import { filesInRange, prepareLakeForRun, tableSelectSql } from './lake';
import { addFile, finishRun, listPartitionDirs, partitionFiles, recoverInterruptedRuns, removePartition, rollbackRun, swapPartition } from './partitions';
import { stagingDir } from './paths';
import {
  copyPlainText,
  DEFAULT_READ_BOUNDS,
  FileOutcome,
  ReadBounds,
  readSourceLines,
  scanSource,
  SkippedEntry,
  SourceFile,
  SourceLine,
  SourceScan,
} from './source';
import { acquireLock, LakeState, loadState, nextState, saveState } from './state';

export interface RunOptions {
  /** Source folder laid out like the source bucket (contains `events/year=...`). */
  readonly source: string;
  /** Lake folder: created when missing; an existing folder must be empty or a lake. */
  readonly lake: string;
  /** At most this many source files read per run, the first by key (default: no limit). */
  readonly maxFiles?: number;
  /** Longest line kept as text, in bytes (default 1 MiB); a longer one is quarantined as line_too_long. */
  readonly maxLineBytes?: number;
  /** Most decompressed bytes per file (default 4 GiB); a larger file is quarantined whole as file_too_large. */
  readonly maxFileBytes?: number;
  /** Start time of the batch, recorded as ingested_at (default: now). */
  readonly now?: Date;
  readonly log?: (line: string) => void;
  /** For tests: a different pipeline description. */
  readonly manifest?: Manifest;
}

export interface RunSummary {
  batchFiles: number;
  linesRead: number;
  bronzeRows: number;
  silverRowsAdded: number;
  duplicatesDropped: number;
  /** Rejected lines (corrupt files are counted in corruptFiles, not here). */
  recordsQuarantined: number;
  corruptFiles: number;
  /** Quarantine entries of this batch by reason, corrupt_file included. */
  quarantinedByReason: Record<string, number>;
  /** Partitions written (appended to, replaced or removed) per table id. */
  partitionsRewritten: Record<string, number>;
  /** Of those, partitions an append compacted into one file (over maxFilesPerPartition), per table id. */
  partitionsCompacted: Record<string, number>;
  /** Wall time per manifest step, plus `load_batch` (reading and decompressing the source files). */
  stepSeconds: Record<string, number>;
  /** Source entries not processed, each with why (symbolic links, other files, unreadable folders...). */
  skipped: SkippedEntry[];
  /** Files of the batch that could not be read (retried by every run until they can be). */
  unreadableFiles: number;
  /** Processed files whose content changed since (reported once, never read again). */
  changedFiles: number;
  /** Files over the decompressed-size bound (quarantined whole). */
  tooLargeFiles: number;
  /** New files left for later runs by maxFiles. */
  pendingFiles: number;
}

export function emptySummary(): RunSummary {
  return {
    batchFiles: 0,
    linesRead: 0,
    bronzeRows: 0,
    silverRowsAdded: 0,
    duplicatesDropped: 0,
    recordsQuarantined: 0,
    corruptFiles: 0,
    quarantinedByReason: {},
    partitionsRewritten: {},
    partitionsCompacted: {},
    stepSeconds: {},
    skipped: [],
    unreadableFiles: 0,
    changedFiles: 0,
    tooLargeFiles: 0,
    pendingFiles: 0,
  };
}

export async function runIncremental(opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? (() => undefined);
  // A manifest given for tests is checked as etl/manifest.json is when it loads.
  const pipeline = opts.manifest === undefined ? defaultManifest : validateManifest(opts.manifest);
  const steps = pipeline.steps;
  const bounds = readBounds(opts);
  assertSourceReadable(opts.source);
  prepareLakeForRun(opts.lake, opts.source);
  const release = acquireLock(opts.lake);
  let duck: Duck | undefined;
  let runId: string | undefined;
  try {
    const rolledBack = recoverInterruptedRuns(opts.lake, LAKE_TABLES);
    if (rolledBack > 0) log(`rolled back ${rolledBack} interrupted run(s): the lake is as before them`);
    const state = loadState(opts.lake);
    const { scan, summary } = scanForRun(opts, state, log);
    if (scan.batch.length === 0) return summary;

    const now = opts.now ?? new Date();
    runId = `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    duck = await openDuck({ tempDirectory: path.join(stagingDir(opts.lake, runId), '_duckdb_tmp') });
    const conn = duck.connection;
    // A table's files are sets of rows: no step depends on the order rows were inserted in, and
    // without keeping it DuckDB builds and writes each step's result on all threads.
    await conn.run('SET preserve_insertion_order = false');

    let t0 = Date.now();
    const outcomes = await loadBatch(conn, scan.batch, now, path.join(stagingDir(opts.lake, runId), 'batch_text'), bounds);
    summary.stepSeconds.load_batch = (Date.now() - t0) / 1000;
    countOutcomes(summary, outcomes, log);

    const reports: Record<string, Record<string, unknown>[]> = {};
    // Partitions each `read` step loaded, by step name, and each table's latest read step: a
    // write replaces the partitions of the read it rewrites (see writtenPartitions).
    const readDirs = new Map<string, string[]>();
    const latestRead = new Map<string, string>();
    const lazyWrites = new Set(steps.filter(isLazyWrite).map((st) => st.name));
    const lastUse = lastUses(steps, Object.keys(pipeline.inputs), lazyWrites);
    const lazyReads = new Set(steps.filter((st, i) => st.read && canStayLazy(steps, i, lastUse)).map((st) => st.name));
    const lazyViews = new Set([...lazyWrites, ...lazyReads]);
    for (const [index, step] of steps.entries()) {
      t0 = Date.now();
      if (step.read) {
        readDirs.set(step.name, await runReadStep(conn, opts.lake, step, lazyReads.has(step.name)));
        latestRead.set(step.read.table, step.name);
      } else await conn.run(`CREATE ${lazyWrites.has(step.name) ? 'VIEW' : 'TABLE'} ${step.name} AS ${readStepSql(step)}`);
      if (step.writes) {
        const table = tableById(step.writes);
        const replacing = step.mode === 'append' ? step.replacing : latestRead.get(table.id);
        const replaceDirs = replacing === undefined ? [] : (readDirs.get(replacing) ?? []);
        const written = await writePartitions(conn, opts.lake, runId, step, table, replaceDirs, pipeline.maxFilesPerPartition);
        latestRead.delete(table.id);
        summary.partitionsRewritten[table.id] = (summary.partitionsRewritten[table.id] ?? 0) + written.partitions;
        if (written.compacted > 0) {
          summary.partitionsCompacted[table.id] = (summary.partitionsCompacted[table.id] ?? 0) + written.compacted;
          log(`${table.id}: ${written.compacted} partition(s) compacted into one file each (over ${pipeline.maxFilesPerPartition} files)`);
        }
      }
      if (step.report) reports[step.name] = await queryRows(conn, `SELECT * FROM ${step.name}`);
      // views first: a view is dropped no later than the tables it reads
      const done = [...lastUse].filter(([, last]) => last === index).map(([name]) => name);
      for (const name of [...done.filter((n) => lazyViews.has(n)), ...done.filter((n) => !lazyViews.has(n))]) {
        await conn.run(`DROP ${lazyViews.has(name) ? 'VIEW' : 'TABLE'} IF EXISTS ${name}`);
      }
      summary.stepSeconds[step.name] = (Date.now() - t0) / 1000;
      log(`step ${step.name}: ${summary.stepSeconds[step.name].toFixed(2)} s`);
    }

    fillFromReports(summary, reports);

    duck.close();
    duck = undefined;
    // Trash first, state last: a crash in between only makes the next run redo this batch.
    finishRun(opts.lake, runId);
    saveState(opts.lake, nextState(state, scan.batch, outcomes, now.toISOString()));
    return summary;
  } catch (err) {
    duck?.close();
    duck = undefined;
    throw failedRun(opts.lake, runId, err);
  } finally {
    duck?.close();
    release();
  }
}

/**
 * After a failed run: partitions moved out without their replacement go back, the run's
 * staging and trash are removed, and the error becomes one line. A file-system or DuckDB I/O
 * error (disk full, permissions, a read-only mount) is the user's to fix: an InputError naming
 * the path. The processed-files state was not committed, so the next run takes the same batch.
 */
function failedRun(lake: string, runId: string | undefined, err: unknown): unknown {
  let cleanup = '';
  if (runId !== undefined) {
    try {
      rollbackRun(lake, runId);
    } catch (rollbackErr) {
      cleanup = `; cleaning up also failed (${(rollbackErr as Error).message.split('\n')[0]}): the next run repairs it`;
    }
  }
  const todo = `fix the cause and run again: the next run processes this batch again${cleanup}`;
  if (err instanceof InputError) return cleanup ? new InputError(`${err.message}${cleanup}`) : err;
  if (isIoError(err)) return ioInputError('lake run failed on', lake, err, todo);
  const message = (err as Error)?.message ?? String(err);
  if (/^IO Error/.test(message)) return new InputError(`lake '${lake}': ${message.split('\n')[0]}; ${todo}`);
  if (cleanup && err instanceof Error) err.message += cleanup;
  return err;
}

/** The run's batch (logged) and a summary that already reports what the scan left out. */
export function scanForRun(opts: RunOptions, state: LakeState, log: (line: string) => void): { scan: SourceScan; summary: RunSummary } {
  const scan = scanSource(opts.source, state, { maxFiles: opts.maxFiles });
  for (const skipped of scan.skipped) log(`skipped source entry ${skipped.key} (${skipped.reason})`);
  log(
    `batch: ${scan.batch.length} new or changed file(s), ${scan.unchanged} already processed${scan.pending > 0 ? `, ${scan.pending} left for later runs (files limit per run)` : ''}`,
  );
  const summary = emptySummary();
  summary.skipped = scan.skipped;
  summary.pendingFiles = scan.pending;
  return { scan, summary };
}

/** Counts (and logs) the batch's files that were not read whole, by problem. */
export function countOutcomes(summary: RunSummary, outcomes: ReadonlyMap<string, FileOutcome>, log: (line: string) => void): void {
  for (const [key, outcome] of outcomes) {
    if (outcome.problem === 'unreadable_file') summary.unreadableFiles++;
    if (outcome.problem === 'changed_file') summary.changedFiles++;
    if (outcome.problem === 'file_too_large') summary.tooLargeFiles++;
    if (outcome.problem !== undefined) log(`${outcome.problem} ${key}: ${outcome.error}`);
  }
}

/** The read bounds of a run; a bound that is not a positive whole number is refused. */
export function readBounds(opts: RunOptions): ReadBounds {
  const bounds = { maxLineBytes: opts.maxLineBytes ?? DEFAULT_READ_BOUNDS.maxLineBytes, maxFileBytes: opts.maxFileBytes ?? DEFAULT_READ_BOUNDS.maxFileBytes };
  for (const [name, value] of Object.entries({ ...bounds, maxFiles: opts.maxFiles ?? 1 })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new InputError(`${name}: expected a whole number >= 1, got ${value}`);
  }
  return bounds;
}

function assertSourceReadable(source: string): void {
  let ok: boolean;
  try {
    ok = fs.statSync(source).isDirectory();
    fs.accessSync(source, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    ok = false;
  }
  if (!ok)
    throw new InputError(
      `source folder '${source}' does not exist or is not readable: expected a folder laid out like the source bucket (events/year=.../*.jsonl.gz)`,
    );
}

function readStepSql(step: ManifestStep): string {
  return fs.readFileSync(sqlPath(step), 'utf8').trim().replace(/;\s*$/, '');
}

/**
 * Registers the input views batch_files and batch_lines (etl/manifest.json `inputs`) and
 * loads every file of the batch into them, one file at a time. A file with a read problem has
 * its batch_files row with read_problem and read_error and no line in batch_lines (lines read
 * before the problem showed are deleted). Returns each file's outcome by key. `scratch` is a folder for the
 * decompressed text of one file at a time.
 */
export async function loadBatch(
  conn: DuckDBConnection,
  batch: readonly SourceFile[],
  now: Date,
  scratch: string,
  bounds: ReadBounds = DEFAULT_READ_BOUNDS,
): Promise<Map<string, FileOutcome>> {
  await conn.run('CREATE TABLE batch_files (source_file VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL, read_error VARCHAR, read_problem VARCHAR)');
  await conn.run('CREATE TABLE batch_lines (source_file VARCHAR NOT NULL, line VARCHAR NOT NULL, line_problem VARCHAR)');
  const ingestedAt = `TIMESTAMP ${sqlString(now.toISOString().replace('T', ' ').replace('Z', ''))}`;
  const outcomes = new Map<string, FileOutcome>();
  fs.mkdirSync(scratch, { recursive: true });
  const text = path.join(scratch, 'batch-file.txt');
  for (const file of batch) {
    let outcome: FileOutcome = { problem: file.readProblem, error: file.readError };
    if (file.readProblem === undefined) {
      outcome = await loadFileLines(conn, file.key, file.absPath, bounds, text);
      if (outcome.problem !== undefined) {
        await conn.run(`DELETE FROM batch_lines WHERE source_file = ${sqlString(file.key)}`);
      }
    }
    outcomes.set(file.key, outcome);
    const value = (v: string | undefined) => (v === undefined ? 'NULL' : sqlString(v));
    await conn.run(`INSERT INTO batch_files VALUES (${sqlString(file.key)}, ${ingestedAt}, ${value(outcome.error)}, ${value(outcome.problem)})`);
  }
  return outcomes;
}

/**
 * Adds one file's lines to batch_lines. Plain text (see copyPlainText) goes through DuckDB's
 * CSV reader, which keeps each line as it is with quoting off and a delimiter the text does not
 * hold; it reads an empty line as NULL, and blank lines are left out as readSourceLines leaves
 * them out. Any other file's lines are appended from readSourceLines.
 */
async function loadFileLines(conn: DuckDBConnection, key: string, file: string, bounds: ReadBounds, text: string): Promise<FileOutcome> {
  try {
    const copied = await copyPlainText(file, bounds, text);
    if ('problem' in copied) return copied;
    if (copied.plain) {
      if (fs.statSync(text).size > 0) {
        const maxLineSize = Math.max(bounds.maxLineBytes + 1, CSV_DEFAULT_MAX_LINE_SIZE);
        await conn.run(
          `INSERT INTO batch_lines SELECT ${sqlString(key)}, line, NULL FROM read_csv(${sqlString(literalPath(text))}, columns = {'line': 'VARCHAR'}, ` +
            `delim = chr(1), quote = '', escape = '', header = false, auto_detect = false, max_line_size = ${maxLineSize}) WHERE regexp_like(line, '[^ ]')`,
        );
      }
      return {};
    }
  } finally {
    fs.rmSync(text, { force: true });
  }
  const appender = await conn.createAppender('batch_lines');
  try {
    const read = await readSourceLines(file, bounds, (lines) => appendLines(appender, key, lines));
    return read.problem === undefined ? {} : { problem: read.problem, error: read.error };
  } finally {
    appender.closeSync();
  }
}

const CSV_DEFAULT_MAX_LINE_SIZE = 2 * 1024 * 1024;

/**
 * Lines go in as 2048-row data chunks: per-value appends through the Node API cost about
 * 4x more, and splitting one huge string parameter inside DuckDB is slower still.
 */
function appendLines(appender: DuckDBAppender, key: string, lines: readonly SourceLine[]): void {
  for (let i = 0; i < lines.length; i += CHUNK_ROWS) {
    const part = lines.slice(i, i + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR, VARCHAR], part.length);
    chunk.setColumnValues(0, new Array<string>(part.length).fill(key));
    chunk.setColumnValues(
      1,
      part.map((l) => l.line),
    );
    chunk.setColumnValues(
      2,
      part.map((l) => l.problem),
    );
    appender.appendDataChunk(chunk);
  }
}

const CHUNK_ROWS = 2048;

/**
 * An appending write step stays a view: the write copies its rows straight to Parquet, and its
 * later readers (the file ledger counts them) compute it again more cheaply than a stored copy
 * of every row of the batch would cost. Spark does not store it either. The view is computed
 * once per partition written and once per later reader, so its SQL must give the same rows each
 * time (etl/manifest.ts, mode `append`).
 */
function isLazyWrite(step: ManifestStep): boolean {
  return step.writes !== undefined && step.mode === 'append';
}

/** The views a step uses: its SQL names them, or a read step takes partitions from one. */
function viewsUsed(step: ManifestStep, names: readonly string[]): string[] {
  const sql = step.sql ? readStepSql(step).replace(/--.*$/gm, '') : '';
  return names.filter((name) => step.read?.partitionsOf === name || new RegExp(`\\b${name}\\b`).test(sql));
}

/**
 * The last step index that uses each view: the engine drops a view's table right after, to
 * bound memory on big batches. A step kept as a view reads its own inputs each time it is
 * used, so they live as long as it does.
 */
function lastUses(steps: readonly ManifestStep[], inputs: readonly string[], lazy: ReadonlySet<string>): Map<string, number> {
  const last = new Map<string, number>();
  const names = [...inputs, ...steps.map((s) => s.name)];
  const uses = steps.map((step) => viewsUsed(step, names));
  steps.forEach((step, i) => {
    for (const name of uses[i]) last.set(name, i);
    if (step.writes || step.report) last.set(step.name, Math.max(last.get(step.name) ?? i, i));
  });
  for (let i = steps.length - 1; i >= 0; i--) {
    if (!lazy.has(steps[i].name)) continue;
    const until = last.get(steps[i].name) ?? i;
    for (const name of uses[i]) last.set(name, Math.max(last.get(name) ?? i, until));
  }
  return last;
}

/**
 * A `read` step can stay a lazy view over its Parquet files (DuckDB then reads only the columns
 * each consumer needs) unless its table is rewritten before its last use: then the rows must be
 * copied first, because the swap moves those files away.
 */
function canStayLazy(steps: readonly ManifestStep[], index: number, lastUse: Map<string, number>): boolean {
  const step = steps[index];
  const last = lastUse.get(step.name) ?? index;
  return !steps.some((later, j) => j > index && j < last && later.writes === step.read?.table);
}

/**
 * A `read` step: the current rows of the table's partitions whose key values occur in the
 * `partitionsOf` view (only the listed keys are compared, e.g. whole days for gold).
 */
async function runReadStep(conn: DuckDBConnection, lake: string, step: ManifestStep, lazy: boolean): Promise<string[]> {
  const spec = step.read!;
  const table = tableById(spec.table);
  const keys = (spec.keys ?? table.partitionKeys.map((k) => k.name)).map((name) => table.partitionKeys.find((k) => k.name === name)!);
  const wanted = new Set(
    (await queryRows(conn, `SELECT DISTINCT ${keys.map((k) => k.name).join(', ')} FROM ${spec.partitionsOf}`)).map((row) =>
      keys.map((k) => `${k.name}=${partitionValue(table, k, row[k.name])}`).join('/'),
    ),
  );
  const dirs = listPartitionDirs(lake, table).filter((rel) => {
    const segments = rel.split('/').filter((s) => s.includes('='));
    return wanted.has(keys.map((k) => segments.find((s) => s.startsWith(`${k.name}=`))).join('/'));
  });
  const inDirs = partitionFiles(lake, dirs);
  const files = spec.rangeOf === undefined ? inDirs : await filesInRange(conn, table, inDirs, spec.rangeOf, spec.partitionsOf);
  await conn.run(`CREATE ${lazy ? 'VIEW' : 'TABLE'} ${step.name} AS ${tableSelectSql(table, files)}`);
  return dirs;
}

/**
 * A `writes` step (etl/manifest.ts): one file per partition the result has rows in, written to
 * the run's staging folder first. In mode `replace`, and for the partitions `replaceDirs` names
 * in mode `append`, the staged partition is swapped in whole; in mode `append` every other
 * partition gets the file added beside the ones it holds, unless that would leave it with more
 * than `maxFiles` files: then the staged file also holds the partition's current rows and the
 * partition is swapped in whole (compacted), so the run's rollback covers it like any swap. A
 * partition of `replaceDirs` the result has no rows for is removed. Returns the number of
 * partitions written or removed, and how many of them were compacted.
 */
async function writePartitions(
  conn: DuckDBConnection,
  lake: string,
  runId: string,
  step: ManifestStep,
  table: TableDef,
  replaceDirs: readonly string[],
  maxFiles: number,
): Promise<{ partitions: number; compacted: number }> {
  const keys = table.partitionKeys;
  const parts = await queryRows(conn, `SELECT DISTINCT ${keys.map((k) => k.name).join(', ')} FROM ${step.name}`);
  const columns = (from: string) =>
    `SELECT ${table.columns.map((c) => `CAST(${c.name} AS ${duckDbParquetType(c.type)}) AS ${c.name}`).join(', ')} FROM ${from}`;
  const replacing = new Set(replaceDirs);
  const written: string[] = [];
  const added = new Set<string>();
  let compacted = 0;
  for (const part of parts) {
    const values: Record<string, string> = {};
    for (const k of keys) values[k.name] = partitionValue(table, k, part[k.name]);
    const rel = partitionPath(table, values);
    const where = keys.map((k) => `${k.name} = ${partitionLiteral(k, values[k.name])}`).join(' AND ');
    const file = path.join(stagingDir(lake, runId), rel, partFileName(runId));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let select = `${columns(step.name)} WHERE ${where}`;
    if (step.mode === 'append' && !replacing.has(rel)) {
      // Only the partition's file names are listed: an append under the bound reads no data.
      const current = partitionFiles(lake, [rel]);
      if (current.length + 1 <= maxFiles) added.add(rel);
      else {
        select = `${columns(`(${tableSelectSql(table, current)})`)} UNION ALL ${select}`;
        compacted++;
      }
    }
    await conn.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION ${PARQUET_CODEC})`);
    written.push(rel);
  }
  for (const rel of written) {
    if (added.has(rel)) addFile(lake, runId, rel, partFileName(runId));
    else swapPartition(lake, runId, rel);
  }
  const emptied = replaceDirs.filter((rel) => !written.includes(rel));
  for (const rel of emptied) removePartition(lake, runId, rel);
  return { partitions: written.length + emptied.length, compacted };
}

/**
 * zstd: the smallest files of the codecs every reader of the lake (Athena engine v3, Trino,
 * Spark, DuckDB) decodes; the Glue job writes the same.
 */
const PARQUET_CODEC = 'zstd';

function partFileName(runId: string): string {
  return `part-00000-${runId}.parquet`;
}

function partitionValue(table: TableDef, key: PartitionKeyDef, value: unknown): string {
  if (value === null || value === undefined) throw new Error(`${table.id}: a row has no value for partition key ${key.name}`);
  return formatPartitionValue(key, value as string | number);
}

function partitionLiteral(key: PartitionKeyDef, rendered: string): string {
  switch (key.type) {
    case 'date':
      return `DATE ${sqlString(rendered)}`;
    case 'int':
    case 'bigint':
      return String(Number(rendered));
    default:
      return sqlString(rendered);
  }
}

function fillFromReports(summary: RunSummary, reports: Record<string, Record<string, unknown>[]>): void {
  const metrics = reports.run_metrics?.[0];
  if (metrics) {
    summary.batchFiles = toNumber(metrics.batch_files);
    summary.linesRead = toNumber(metrics.lines_read);
    summary.bronzeRows = toNumber(metrics.bronze_rows);
    summary.silverRowsAdded = toNumber(metrics.silver_rows_added);
    summary.duplicatesDropped = toNumber(metrics.duplicates_dropped);
    summary.recordsQuarantined = toNumber(metrics.records_quarantined);
    summary.corruptFiles = toNumber(metrics.corrupt_files);
  }
  for (const row of reports.run_quarantine_reasons ?? []) summary.quarantinedByReason[String(row.reason)] = toNumber(row.records);
}
