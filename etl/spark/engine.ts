/**
 * The Spark engine for a local lake: the Glue job's own Python engine (etl/glue) on a local
 * SparkSession, driven like the DuckDB engine (etl/local/engine.ts).
 *
 * This module does what the job bookmark does on Glue: it takes the lake's run lock, picks the
 * new source files from the lake's processed-files state, hands them to etl/spark/local_run.py
 * with the pipeline files (manifest, SQL, tables.json rendered from etl/schema.ts), and commits
 * the state only after that process succeeded. Both engines therefore write the same layout and
 * the same state, and either can continue a lake the other started.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { manifest as defaultManifest, Manifest, sqlPath, validateManifest } from '../manifest';
import { LAKE_TABLES, tablesDocument } from '../schema';
import { countOutcomes, emptySummary, readBounds, RunOptions, RunSummary, scanForRun } from '../local/engine';
import { InputError } from '../local/errors';
import { prepareLakeForRun } from '../local/lake';
import { recoverInterruptedRuns } from '../local/partitions';
import { stagingDir } from '../local/paths';
import { FileOutcome } from '../local/source';
import { acquireLock, loadState, nextState, saveState } from '../local/state';

const ROOT = path.resolve(__dirname, '..', '..');
const LOCAL_RUN = path.join(__dirname, 'local_run.py');
export const SETUP_COMMAND = 'npm run setup:spark';

/** The Spark environment is missing: the message names the setup command (exit 2 in the CLI). */
export class SparkUnavailableError extends InputError {}

/**
 * The virtual environment's Python, or why the Spark engine cannot run here. The environment is
 * the project's .venv (made by the setup command), or the folder LAKEHOUSE_VENV names.
 */
export function sparkPython(): { python: string } | { problem: string } {
  const venv = process.env.LAKEHOUSE_VENV ?? path.join(ROOT, '.venv');
  const python = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(python)) return { problem: `no Python environment at ${venv}` };
  if (!fs.existsSync(path.join(venv, '.requirements.sha256'))) return { problem: `${venv} was not completed by the setup` };
  return { python };
}

export async function runSparkIncremental(opts: RunOptions): Promise<RunSummary> {
  const env = sparkPython();
  if ('problem' in env) throw new SparkUnavailableError(`Spark engine unavailable (${env.problem}): run \`${SETUP_COMMAND}\` first`);
  const log = opts.log ?? (() => undefined);
  const bounds = readBounds(opts);
  prepareLakeForRun(opts.lake, opts.source);
  const release = acquireLock(opts.lake);
  const now = opts.now ?? new Date();
  const runId = `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}-spark`;
  const staging = stagingDir(opts.lake, runId);
  try {
    // A DuckDB run that died on this lake is undone first (a Spark run that died is undone by
    // the Python engine from its write journal), so either engine continues the other's lake.
    const rolledBack = recoverInterruptedRuns(opts.lake, LAKE_TABLES);
    if (rolledBack > 0) log(`rolled back ${rolledBack} interrupted run(s): the lake is as before them`);
    const state = loadState(opts.lake);
    const { scan, summary: scanned } = scanForRun(opts, state, log);
    if (scan.batch.length === 0) return scanned;

    const spec = {
      source: path.resolve(opts.source),
      lake: path.resolve(opts.lake),
      etl: writePipelineFiles(path.join(staging, 'etl'), opts.manifest === undefined ? defaultManifest : validateManifest(opts.manifest)),
      temp: path.join(path.resolve(staging), 'temp'),
      files: scan.batch.map((f) => ({ key: f.key, readProblem: f.readProblem, readError: f.readError })),
      now: now.toISOString(),
      ...bounds,
    };
    const specFile = path.join(staging, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const output = JSON.parse(await runPython(env.python, [LOCAL_RUN, '--spec', specFile], log)) as Record<string, unknown>;
    const summary = { ...toRunSummary(output), skipped: scanned.skipped, pendingFiles: scanned.pendingFiles };
    const outcomes = new Map(Object.entries((output.read_problems ?? {}) as Record<string, FileOutcome>));
    countOutcomes(summary, outcomes, log);
    saveState(opts.lake, nextState(state, scan.batch, outcomes, now.toISOString()));
    return summary;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    release();
  }
}

/** manifest.json, its SQL files and tables.json in one folder, laid out as EtlPipeline uploads them. */
function writePipelineFiles(dir: string, m: Manifest): string {
  fs.mkdirSync(path.join(dir, 'sql'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  fs.writeFileSync(path.join(dir, 'tables.json'), JSON.stringify(tablesDocument()));
  for (const step of m.steps) if (step.sql) fs.copyFileSync(sqlPath(step), path.join(dir, step.sql));
  return path.resolve(dir);
}

/** Runs the Python adapter; resolves with its last stdout line (the run's JSON summary). */
function runPython(python: string, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let out = '';
    let errTail = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      errTail = (errTail + d).slice(-20000);
      for (const line of d.split('\n')) if (line.trim()) log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(last);
      else reject(new Error(`Spark engine failed (exit ${code}): ${lastMeaningfulLine(errTail)}`));
    });
  });
}

function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !l.startsWith('File "'));
  return lines.filter((l) => /Error|Exception|lakehouse-spark/.test(l)).pop() ?? lines.pop() ?? 'no output';
}

/** The Python run summary (etl/glue/run_report.py build_summary) as the engines' RunSummary. */
function toRunSummary(s: Record<string, unknown>): RunSummary {
  const n = (v: unknown) => Number(v ?? 0);
  const summary = emptySummary();
  summary.batchFiles = n(s.files_read);
  summary.linesRead = n(s.lines_read);
  const metrics = (s.run_metrics ?? {}) as Record<string, unknown>;
  summary.bronzeRows = n(metrics.bronze_rows);
  summary.silverRowsAdded = n(s.silver_rows_added);
  summary.duplicatesDropped = n(s.duplicates_dropped);
  summary.recordsQuarantined = n(s.records_quarantined);
  summary.corruptFiles = n(s.corrupt_files);
  summary.quarantinedByReason = Object.fromEntries(Object.entries((s.quarantined_by_reason ?? {}) as Record<string, unknown>).map(([k, v]) => [k, n(v)]));
  summary.partitionsRewritten = Object.fromEntries(Object.entries((s.partitions_rewritten ?? {}) as Record<string, unknown>).map(([k, v]) => [k, n(v)]));
  summary.partitionsCompacted = Object.fromEntries(Object.entries((s.partitions_compacted ?? {}) as Record<string, unknown>).map(([k, v]) => [k, n(v)]));
  summary.stepSeconds = Object.fromEntries(Object.entries((s.step_seconds ?? {}) as Record<string, unknown>).map(([k, v]) => [k, n(v)]));
  return summary;
}
