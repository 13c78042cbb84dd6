/**
 * The embedded local engine: one incremental pass of the medallion pipeline on DuckDB.
 *
 * It holds no business logic. It scans the source folder for new or changed files, loads them
 * as the input views of etl/manifest.json (batch_files, batch_lines), runs the manifest's steps
 * in order (the same SQL files the Glue job runs), reads the partitions `read` steps ask for,
 * replaces the partitions `writes` steps produce, and commits the processed-files state last.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DuckDBConnection, DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import { manifest as defaultManifest, Manifest, ManifestStep, sqlPath } from '../manifest';
import { duckDbType, formatPartitionValue, LAKE_TABLES, partitionPath, PartitionKeyDef, TableDef, tableById } from '../schema';
import { Duck, openDuck, queryRows, sqlString, toNumber } from './duck';
import { tableSelectSql } from './lake';
import { finishRun, listPartitionDirs, partitionFiles, recoverInterruptedSwaps, removePartition, swapPartition } from './partitions';
import { stagingDir } from './paths';
import { readSourceText, scanSource, SourceFile } from './source';
import { acquireLock, loadState, saveState } from './state';

export interface RunOptions {
  /** Source folder laid out like the source bucket (contains `events/year=...`). */
  readonly source: string;
  /** Lake folder (created when missing). */
  readonly lake: string;
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
  /** Partitions replaced per table id. */
  partitionsRewritten: Record<string, number>;
  /** Wall time per manifest step, plus `load_batch` (reading and decompressing the source files). */
  stepSeconds: Record<string, number>;
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
    stepSeconds: {},
  };
}

export async function runIncremental(opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? (() => undefined);
  const steps = (opts.manifest ?? defaultManifest).steps;
  assertSourceReadable(opts.source);
  fs.mkdirSync(opts.lake, { recursive: true });
  const release = acquireLock(opts.lake);
  let duck: Duck | undefined;
  try {
    const restored = recoverInterruptedSwaps(opts.lake, LAKE_TABLES);
    if (restored > 0) log(`recovered ${restored} partition(s) left mid-swap by an interrupted run`);
    const state = loadState(opts.lake);
    const scan = scanSource(opts.source, state);
    for (const skipped of scan.ignored) log(`skipped source file ${skipped}`);
    log(`batch: ${scan.batch.length} new or changed file(s), ${scan.unchanged} already processed`);
    const summary = emptySummary();
    if (scan.batch.length === 0) return summary;

    const now = opts.now ?? new Date();
    const runId = `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    duck = await openDuck({ tempDirectory: path.join(stagingDir(opts.lake, runId), '_duckdb_tmp') });
    const conn = duck.connection;

    let t0 = Date.now();
    const readErrors = await loadBatch(conn, scan.batch, now);
    summary.stepSeconds.load_batch = (Date.now() - t0) / 1000;

    const reports: Record<string, Record<string, unknown>[]> = {};
    // Partitions each table's latest `read` step loaded: a merge that leaves one of them
    // without rows removes it (its only rows belonged to files being reprocessed).
    const readDirs = new Map<string, string[]>();
    const lastUse = lastUses(steps, Object.keys((opts.manifest ?? defaultManifest).inputs));
    const lazyViews = new Set(steps.filter((st, i) => st.read && canStayLazy(steps, i, lastUse)).map((st) => st.name));
    for (const [index, step] of steps.entries()) {
      t0 = Date.now();
      if (step.read) readDirs.set(step.read.table, await runReadStep(conn, opts.lake, step, canStayLazy(steps, index, lastUse)));
      else await conn.run(`CREATE TABLE ${step.name} AS ${readStepSql(step)}`);
      if (step.writes) {
        const table = tableById(step.writes);
        const n = await writePartitions(conn, opts.lake, runId, step.name, table, readDirs.get(table.id) ?? []);
        readDirs.delete(table.id);
        summary.partitionsRewritten[table.id] = (summary.partitionsRewritten[table.id] ?? 0) + n;
      }
      if (step.report) reports[step.name] = await queryRows(conn, `SELECT * FROM ${step.name}`);
      for (const [name, last] of lastUse) {
        if (last === index) await conn.run(`DROP ${lazyViews.has(name) ? 'VIEW' : 'TABLE'} IF EXISTS ${name}`);
      }
      summary.stepSeconds[step.name] = (Date.now() - t0) / 1000;
      log(`step ${step.name}: ${summary.stepSeconds[step.name].toFixed(2)} s`);
    }

    fillFromReports(summary, reports);

    // Commit: everything is in place, so the batch counts as processed.
    const processedAt = now.toISOString();
    const files = { ...state.files };
    for (const f of scan.batch) {
      files[f.key] = { size: f.size, mtimeMs: f.mtimeMs, sha256: f.sha256, corrupt: readErrors.has(f.key), processedAt };
    }
    duck.close();
    duck = undefined;
    // Trash first, state last: a crash in between only makes the next run redo this batch.
    finishRun(opts.lake, runId);
    saveState(opts.lake, { version: 1, files });
    return summary;
  } finally {
    duck?.close();
    release();
  }
}

function assertSourceReadable(source: string): void {
  let ok = false;
  try {
    ok = fs.statSync(source).isDirectory();
    fs.accessSync(source, fs.constants.R_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`source folder '${source}' does not exist or is not readable: expected a folder laid out like the source bucket (events/year=.../*.jsonl.gz)`);
}

function readStepSql(step: ManifestStep): string {
  return fs.readFileSync(sqlPath(step), 'utf8').trim().replace(/;\s*$/, '');
}

/** Registers the input views: batch_files and batch_lines. Returns the keys of unreadable files. */
async function loadBatch(conn: DuckDBConnection, batch: readonly SourceFile[], now: Date): Promise<Set<string>> {
  await conn.run('CREATE TABLE batch_files (source_file VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL, read_error VARCHAR)');
  await conn.run('CREATE TABLE batch_lines (source_file VARCHAR NOT NULL, line VARCHAR NOT NULL)');
  const ingestedAt = `TIMESTAMP ${sqlString(now.toISOString().replace('T', ' ').replace('Z', ''))}`;
  const errors = new Set<string>();
  // Lines go in as 2048-row data chunks: per-value appends through the Node API cost about
  // 4x more, and splitting one huge string parameter inside DuckDB is slower still.
  const appender = await conn.createAppender('batch_lines');
  try {
    for (const file of batch) {
      const read = await readSourceText(file.absPath);
      if (read.error !== undefined) errors.add(file.key);
      await conn.run(
        `INSERT INTO batch_files VALUES (${sqlString(file.key)}, ${ingestedAt}, ${read.error === undefined ? 'NULL' : sqlString(read.error)})`,
      );
      if (!read.text) continue;
      const lines = read.text.split('\n');
      for (let i = 0; i < lines.length; i += CHUNK_ROWS) {
        const part = lines.slice(i, i + CHUNK_ROWS);
        const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR], part.length);
        chunk.setColumnValues(0, new Array<string>(part.length).fill(file.key));
        chunk.setColumnValues(1, part);
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    }
  } finally {
    appender.closeSync();
  }
  return errors;
}

const CHUNK_ROWS = 2048;

/**
 * The last step index that uses each view (its SQL names it, or a read step takes partitions
 * from it): the engine drops a view's table right after, to bound memory on big batches.
 */
function lastUses(steps: readonly ManifestStep[], inputs: readonly string[]): Map<string, number> {
  const last = new Map<string, number>();
  const names = [...inputs, ...steps.map((s) => s.name)];
  steps.forEach((step, i) => {
    const sql = step.sql ? readStepSql(step).replace(/--.*$/gm, '') : '';
    for (const name of names) {
      if (step.read?.partitionsOf === name || new RegExp(`\\b${name}\\b`).test(sql)) last.set(name, i);
    }
    if (step.writes || step.report) last.set(step.name, Math.max(last.get(step.name) ?? i, i));
  });
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
  await conn.run(`CREATE ${lazy ? 'VIEW' : 'TABLE'} ${step.name} AS ${tableSelectSql(table, partitionFiles(lake, dirs))}`);
  return dirs;
}

/**
 * A `writes` step: the step's result is the complete new content of every partition it has
 * rows in. Each such partition is written to the run's staging folder, then swapped in.
 * A partition the table's `read` step loaded that the result has no rows for is removed.
 */
async function writePartitions(conn: DuckDBConnection, lake: string, runId: string, view: string, table: TableDef, readDirs: readonly string[]): Promise<number> {
  const keys = table.partitionKeys;
  const parts = await queryRows(conn, `SELECT DISTINCT ${keys.map((k) => k.name).join(', ')} FROM ${view}`);
  const columns = table.columns.map((c) => `CAST(${c.name} AS ${duckDbType(c.type)}) AS ${c.name}`).join(', ');
  const relDirs: string[] = [];
  for (const part of parts) {
    const values: Record<string, string> = {};
    for (const k of keys) values[k.name] = partitionValue(table, k, part[k.name]);
    const rel = partitionPath(table, values);
    const where = keys.map((k) => `${k.name} = ${partitionLiteral(k, values[k.name])}`).join(' AND ');
    const file = path.join(stagingDir(lake, runId), rel, `part-00000-${runId}.parquet`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await conn.run(`COPY (SELECT ${columns} FROM ${view} WHERE ${where}) TO ${sqlString(file)} (FORMAT parquet)`);
    relDirs.push(rel);
  }
  for (const rel of relDirs) swapPartition(lake, runId, rel);
  const emptied = readDirs.filter((rel) => !relDirs.includes(rel));
  for (const rel of emptied) removePartition(lake, runId, rel);
  return relDirs.length + emptied.length;
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
