/**
 * `npm run bench:etl`: the per-batch cost of the pipeline, today's design (the baseline commit)
 * beside the working tree (the candidate), measured in the same run, with the targets of the
 * flat-cost work. A benchmark, not a test: it prints, it asserts nothing.
 *
 * Both designs run from their own folder: the baseline commit is extracted with `git archive`,
 * the candidate is a copy of the working tree taken at the start (so edits made while the
 * benchmark runs do not leak into it); both get node_modules and .venv as symbolic links to
 * this repository's. Every measured batch runs in its own child process (bench/run-batch.ts),
 * which gives its wall time and its peak memory (see bench/batch-child.ts).
 *
 * Sections (BENCH_SECTIONS, default 1,2,3,4,5):
 *  1. One starter-volume file into the lake on DuckDB: the first file of a day, the last file
 *     of an hour (the others of the hour already in), the last file of a day (the rest of the
 *     day already in, built from the smaller files of section 3).
 *  2. A full hour on DuckDB, one batch per file: lines/s.
 *  3. Growth through a UTC day on DuckDB: last batch of the day / first batch.
 *  4. Storage: Parquet bytes per table vs the raw gzip bytes; bytes the 5 deliverable queries
 *     read from gold vs from silver (candidate).
 *  5. Spark: growth through the day as in section 3 (the day's lake is the one section 3 built
 *     with the same tree's DuckDB engine: both engines write the same layout), and the compute
 *     of one starter-volume file (docs/cost.md turns it into Glue DPU-minutes).
 * Sections 1, 2 and 4 share one hour of files; sections 1, 3 and 5 share one day of files.
 *
 * Volumes are environment variables so a quick run is possible:
 *   BENCH_EVENTS_PER_FILE (625000)  BENCH_FILES (12)  BENCH_DAY_EVENTS_PER_FILE (20000)
 *   BENCH_DAY_INTERVAL_MINUTES (15)  BENCH_SPARK_EVENTS_PER_FILE (= BENCH_EVENTS_PER_FILE)
 *   BENCH_REPEATS (3)  BENCH_SPARK_REPEATS (1)  BENCH_BASELINE (acde19a)  BENCH_SEED (1)
 *   BENCH_DIR (a new temp folder)  BENCH_KEEP (0)  BENCH_SECTIONS (1,2,3,4,5)
 *   BENCH_DUPLICATE_RATE (0.02)  BENCH_TREES (baseline,candidate)
 */
import { DuckDBConnection } from '@duckdb/node-api';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import { existsSync, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Engine, MeasuredBatch, runInChild } from './batch-child';
import { generateFiles } from '../generator';
import { openDuck } from '../etl/local/duck';
import { registerLakeViews } from '../etl/local/lake';
import { tableDir } from '../etl/local/paths';
import { loadQueries } from '../queries';
import { GOLD_TABLES, silverEvents, TableDef } from '../etl/schema';

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

function envRate(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n >= 0 && n < 1)) {
    console.error(`bench:etl: ${name}: expected a decimal in [0, 1), got '${raw}'`);
    process.exit(2);
  }
  return n;
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench:etl: ${name}: expected a whole number >= ${min}, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

const STARTER_EVENTS_PER_FILE = 625_000;
const SECTIONS = ['1', '2', '3', '4', '5'];
const REPO = path.resolve(__dirname, '..');
const eventsPerFile = envInt('BENCH_EVENTS_PER_FILE', STARTER_EVENTS_PER_FILE, 1);
const cfg = {
  eventsPerFile,
  files: envInt('BENCH_FILES', 12, 2),
  // A day of 288 starter-volume files is 180M lines; the growth sections use smaller files, and
  // fewer of them than the schedule's 288 (one batch per file either way).
  dayEventsPerFile: envInt('BENCH_DAY_EVENTS_PER_FILE', 20_000, 1),
  dayIntervalMinutes: envInt('BENCH_DAY_INTERVAL_MINUTES', 15, 1),
  sparkEventsPerFile: envInt('BENCH_SPARK_EVENTS_PER_FILE', eventsPerFile, 1),
  repeats: envInt('BENCH_REPEATS', 3, 1),
  sparkRepeats: envInt('BENCH_SPARK_REPEATS', 1, 1),
  seed: envInt('BENCH_SEED', 1, 0),
  baseline: process.env.BENCH_BASELINE ?? 'acde19a',
  sections: new Set((process.env.BENCH_SECTIONS ?? SECTIONS.join(',')).split(',').map((x) => x.trim())),
  keep: process.env.BENCH_KEEP === '1',
};
for (const s of cfg.sections) {
  if (!SECTIONS.includes(s)) {
    console.error(`bench:etl: BENCH_SECTIONS: expected a comma-separated list of ${SECTIONS.join(', ')}, got '${s}'`);
    process.exit(2);
  }
}
if (cfg.dayIntervalMinutes > 720) {
  console.error(`bench:etl: BENCH_DAY_INTERVAL_MINUTES: expected at most 720 (two files a day), got ${cfg.dayIntervalMinutes}`);
  process.exit(2);
}
// The generator draws a duplicate from any earlier line of its run, so a batch late in a day
// repeats events from every earlier hour and must read them to drop the copies; 0 measures a
// source without re-delivered events (the deployed generator's default duplicateRate).
const DUPLICATE_RATE = envRate('BENCH_DUPLICATE_RATE', 0.02);
const MALFORMED_RATE = 0.005;
const INTERVAL_MINUTES = 5;
const HOUR_START = new Date('2025-11-20T00:00:00Z'); // the hour run starts a UTC day
const DAY_START = new Date('2025-11-21T00:00:00Z');
const TARGET = { seconds: 5, peakBytes: 1.5 * 2 ** 30, linesPerSecond: 150_000, growth: 1.3, silverOverRaw: 1 };

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;
const kb = (bytes: number) => (bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KB` : mb(bytes));
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;
const secs = (s: number) => `${s.toFixed(2)} s`;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "yes"/"NO" for a candidate figure against an upper bound (or a lower bound when `atLeast`). */
const met = (value: number | undefined, bound: number, atLeast = false) =>
  value === undefined ? 'n/a' : (atLeast ? value >= bound : value <= bound) ? 'yes' : 'NO';

async function walk(dir: string): Promise<Array<{ file: string; bytes: number }>> {
  const out: Array<{ file: string; bytes: number }> = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push({ file: p, bytes: (await fs.stat(p)).size });
  }
  return out;
}

const bytesOf = async (dir: string, ext?: string) => sum((await walk(dir)).filter((f) => !ext || f.file.endsWith(ext)).map((f) => f.bytes));

type Generated = Awaited<ReturnType<typeof generateFiles>>['files'][number];

async function generate(outDir: string, files: number, perFile: number, start: Date, intervalMinutes: number, seed: number): Promise<Generated[]> {
  const t = performance.now();
  const r = await generateFiles({
    outDir,
    files,
    minEvents: perFile,
    maxEvents: perFile,
    start,
    intervalMinutes,
    seed,
    duplicateRate: DUPLICATE_RATE,
    malformedRate: MALFORMED_RATE,
  });
  const sorted = [...r.files].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
  const seconds = (performance.now() - t) / 1000;
  console.log(`  generated ${files} file(s) x ${int(perFile)} lines from ${start.toISOString()} in ${seconds.toFixed(1)} s`);
  return sorted;
}

/** One batch of a child's plan: the file arrives, then a run starts a minute after its events. */
const batchOf = (files: readonly Generated[]) => ({
  arrive: files.map((f) => ({ from: f.path, key: f.key })),
  now: new Date(files[files.length - 1].eventTime.getTime() + 60_000).toISOString(),
});
/** A batch that takes what is already in the source folder (a repeat on a restored lake). */
const rerunOf = (file: Generated) => ({ arrive: [], now: new Date(file.eventTime.getTime() + 60_000).toISOString() });

/** A fresh copy of a lake folder (lakes are copied, never shared, between timed runs). */
async function restore(from: string, to: string): Promise<void> {
  await fs.rm(to, { recursive: true, force: true });
  await fs.cp(from, to, { recursive: true });
}

/** A source folder holding hard links to already-arrived files: their size and mtime are the ones the lake's state recorded. */
async function linkSource(fromSource: string, files: readonly Generated[], to: string): Promise<void> {
  await fs.rm(to, { recursive: true, force: true });
  for (const f of files) {
    const target = path.join(to, ...f.key.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.link(path.join(fromSource, ...f.key.split('/')), target);
  }
}

// ---------------------------------------------------------------------------------------------
// The two designs
// ---------------------------------------------------------------------------------------------

interface Tree {
  readonly label: 'baseline' | 'candidate';
  readonly root: string;
  readonly description: string;
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });

/** node_modules and .venv of this repository, linked into a tree folder. */
async function linkDependencies(root: string): Promise<void> {
  for (const dep of ['node_modules', '.venv']) {
    if (existsSync(path.join(REPO, dep))) await fs.symlink(path.join(REPO, dep), path.join(root, dep));
  }
}

async function extractBaseline(work: string): Promise<Tree> {
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${cfg.baseline}^{commit}`).trim();
  } catch {
    console.error(`bench:etl: BENCH_BASELINE: expected a commit of this repository, got '${cfg.baseline}'`);
    process.exit(2);
  }
  const root = path.join(work, 'trees', 'baseline');
  await fs.mkdir(root, { recursive: true });
  execFileSync('sh', ['-c', 'git archive "$1" | tar -x -C "$2"', 'sh', commit, root], { cwd: REPO });
  await linkDependencies(root);
  return { label: 'baseline', root, description: `commit ${commit.slice(0, 7)} (${git('log', '-1', '--format=%s', commit).trim()})` };
}

/** A copy of the working tree's tracked and untracked (not ignored) files, named by HEAD and a hash of its etl/ folder. */
async function copyWorkingTree(work: string): Promise<Tree> {
  const root = path.join(work, 'trees', 'candidate');
  const files = git('ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  const etlHash = crypto.createHash('sha256');
  for (const rel of [...new Set(files)].sort()) {
    const from = path.join(REPO, rel);
    if (!existsSync(from)) continue; // deleted in the working tree
    const to = path.join(root, rel);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(from, to);
    if (rel.startsWith('etl/')) etlHash.update(rel).update(await fs.readFile(from));
  }
  await linkDependencies(root);
  const head = git('rev-parse', '--short', 'HEAD').trim();
  const changed = git('status', '--porcelain', '--', 'etl').split('\n').filter(Boolean).length;
  return {
    label: 'candidate',
    root,
    description: `working tree at ${head} + ${changed} uncommitted change(s) under etl/ (etl/ content hash ${etlHash.digest('hex').slice(0, 12)})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

let planCount = 0;
let WORK = '';

/** Runs batches of one tree in one child process; see bench/run-batch.ts. */
function runBatches(tree: Tree, engine: Engine, source: string, lake: string, batches: Array<ReturnType<typeof batchOf>>): Promise<MeasuredBatch[]> {
  return runInChild({ root: tree.root, engine, source, lake, plan: { batches }, planFile: path.join(WORK, 'plans', `${++planCount}.json`) });
}

/** One batch in its own child process (so its peak memory is its own). */
async function oneBatch(tree: Tree, engine: Engine, source: string, lake: string, batch: ReturnType<typeof batchOf>): Promise<MeasuredBatch> {
  return (await runBatches(tree, engine, source, lake, [batch]))[0];
}

/** Runs a measurement for each tree; a tree whose run fails gets its error instead of figures. */
type PerTree<T> = Partial<Record<Tree['label'], T | Error>>;
async function forEachTree<T>(trees: readonly Tree[], fn: (tree: Tree) => Promise<T>): Promise<PerTree<T>> {
  const out = {} as PerTree<T>;
  for (const tree of trees) {
    try {
      out[tree.label] = await fn(tree);
    } catch (err) {
      out[tree.label] = err instanceof Error ? err : new Error(String(err));
      console.log(`  ${tree.label}: FAILED: ${out[tree.label] instanceof Error ? (out[tree.label] as Error).message.split('\n')[0] : ''}`);
    }
  }
  return out;
}

const ok = <T>(v: T | Error | undefined): T | undefined => (v === undefined || v instanceof Error ? undefined : v);
const cell = (v: number | undefined | Error, fmt: (n: number) => string) => (v instanceof Error ? 'failed' : v === undefined ? 'n/a' : fmt(v));

interface Figures {
  seconds: number[];
  peaks: number[];
  /** CPU seconds of the child's process tree: the compute, little changed by other load on the cores. */
  cpu: number[];
}
const emptyFigures = (): Figures => ({ seconds: [], peaks: [], cpu: [] });
const add = (f: Figures, b: MeasuredBatch) => {
  f.seconds.push(b.seconds);
  f.peaks.push(b.peakRssBytes);
  f.cpu.push(b.treeCpuSeconds);
};

function describeBatch(label: string, what: string, b: MeasuredBatch): void {
  console.log(`    ${label.padEnd(9)} ${what}: ${int(b.linesRead)} lines, ${secs(b.seconds)} wall, ${secs(b.treeCpuSeconds)} CPU, peak ${gb(b.peakRssBytes)}`);
}

// ---------------------------------------------------------------------------------------------
// The hour (sections 1a, 1b, 2, 4)
// ---------------------------------------------------------------------------------------------

interface HourResult {
  source: string;
  lake: string;
  batches: MeasuredBatch[];
  first: Figures;
  last: Figures;
}

async function runHour(trees: readonly Tree[], files: readonly Generated[]): Promise<PerTree<HourResult>> {
  console.log(
    `\n-- The hour: ${files.length} files x ${int(cfg.eventsPerFile)} lines from ${HOUR_START.toISOString()}, one batch (one child process) per file, DuckDB --`,
  );
  const results = await forEachTree(trees, async (tree) => {
    const dir = path.join(WORK, tree.label, 'hour');
    const r: HourResult = { source: path.join(dir, 'source'), lake: path.join(dir, 'lake'), batches: [], first: emptyFigures(), last: emptyFigures() };
    for (const [i, f] of files.entries()) {
      if (i === files.length - 1) await restore(r.lake, path.join(dir, 'lake-before-last'));
      const b = await oneBatch(tree, 'duckdb', r.source, r.lake, batchOf([f]));
      r.batches.push(b);
      describeBatch(tree.label, `batch ${String(i + 1).padStart(2)}`, b);
    }
    add(r.first, r.batches[0]);
    add(r.last, r.batches[r.batches.length - 1]);
    return r;
  });
  // Repeats, alternating between the trees so that background load hits both alike.
  for (let rep = 1; rep < cfg.repeats; rep++) {
    for (const tree of trees) {
      const r = ok(results[tree.label]);
      if (!r) continue;
      const dir = path.join(WORK, tree.label, `hour-repeat-${rep}`);
      const first = await oneBatch(tree, 'duckdb', path.join(dir, 'source'), path.join(dir, 'lake-first'), batchOf([files[0]]));
      add(r.first, first);
      describeBatch(tree.label, `repeat ${rep}, first file`, first);
      await restore(path.join(WORK, tree.label, 'hour', 'lake-before-last'), path.join(dir, 'lake-last'));
      const last = await oneBatch(tree, 'duckdb', r.source, path.join(dir, 'lake-last'), rerunOf(files[files.length - 1]));
      add(r.last, last);
      describeBatch(tree.label, `repeat ${rep}, file ${files.length} of the hour`, last);
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// The day (sections 1c, 3, 5)
// ---------------------------------------------------------------------------------------------

interface DayResult {
  source: string;
  /** The lake with every file of the day but the last. */
  lakeBeforeLast: string;
  buildSeconds: number;
  first: Figures;
  last: Figures;
  /** The starter-volume file in the day's last slot (section 1c). */
  bigLast: Figures;
}

async function runDay(trees: readonly Tree[], files: readonly Generated[], bigLast: Generated | undefined): Promise<PerTree<DayResult>> {
  console.log(
    `\n-- The day: ${files.length} files x ${int(cfg.dayEventsPerFile)} lines, one every ${cfg.dayIntervalMinutes} min from ${DAY_START.toISOString()}, ` +
      `one batch per file, DuckDB (first and last batch each in its own child process, the ones between in one) --`,
  );
  const lastFile = files[files.length - 1];
  const results = await forEachTree(trees, async (tree) => {
    const dir = path.join(WORK, tree.label, 'day');
    const r: DayResult = {
      source: path.join(dir, 'source'),
      lakeBeforeLast: path.join(dir, 'lake-before-last'),
      buildSeconds: 0,
      first: emptyFigures(),
      last: emptyFigures(),
      bigLast: emptyFigures(),
    };
    const lake = path.join(dir, 'lake');
    const first = await oneBatch(tree, 'duckdb', r.source, lake, batchOf([files[0]]));
    add(r.first, first);
    describeBatch(tree.label, 'first file of the day', first);
    const t = performance.now();
    const between = files.slice(1, -1).map((f) => batchOf([f]));
    const middle = between.length > 0 ? await runBatches(tree, 'duckdb', r.source, lake, between) : [];
    r.buildSeconds = first.seconds + sum(middle.map((b) => b.seconds));
    if (middle.length > 0)
      console.log(
        `    ${tree.label.padEnd(9)} files 2-${files.length - 1}: ${((performance.now() - t) / 1000).toFixed(1)} s (batches ${secs(middle[0]?.seconds ?? 0)} ... ${secs(middle[middle.length - 1]?.seconds ?? 0)})`,
      );
    await restore(lake, r.lakeBeforeLast);
    const last = await oneBatch(tree, 'duckdb', r.source, lake, batchOf([lastFile]));
    add(r.last, last);
    r.buildSeconds += last.seconds;
    describeBatch(tree.label, 'last file of the day', last);
    await fs.rm(lake, { recursive: true, force: true });
    return r;
  });
  for (let rep = 0; rep < cfg.repeats; rep++) {
    for (const tree of trees) {
      const r = ok(results[tree.label]);
      if (!r) continue;
      const dir = path.join(WORK, tree.label, `day-repeat-${rep}`);
      if (rep > 0) {
        const first = await oneBatch(tree, 'duckdb', path.join(dir, 'source-first'), path.join(dir, 'lake-first'), batchOf([files[0]]));
        add(r.first, first);
        describeBatch(tree.label, `repeat ${rep}, first file of the day`, first);
        await restore(r.lakeBeforeLast, path.join(dir, 'lake-last'));
        const last = await oneBatch(tree, 'duckdb', r.source, path.join(dir, 'lake-last'), rerunOf(lastFile));
        add(r.last, last);
        describeBatch(tree.label, `repeat ${rep}, last file of the day`, last);
      }
      if (bigLast) {
        // The day's last slot holds a starter-volume file instead of the small one.
        await linkSource(r.source, files.slice(0, -1), path.join(dir, 'source-big'));
        await restore(r.lakeBeforeLast, path.join(dir, 'lake-big'));
        const big = await oneBatch(tree, 'duckdb', path.join(dir, 'source-big'), path.join(dir, 'lake-big'), batchOf([bigLast]));
        add(r.bigLast, big);
        describeBatch(tree.label, `run ${rep + 1}, ${int(cfg.eventsPerFile)}-line file last in the day`, big);
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Spark (section 5)
// ---------------------------------------------------------------------------------------------

interface SparkResult {
  first: Figures;
  last: Figures;
  big: Figures;
  bigBatch?: MeasuredBatch;
}

async function runSpark(trees: readonly Tree[], days: PerTree<DayResult>, dayFiles: readonly Generated[], bigFile: Generated): Promise<PerTree<SparkResult>> {
  console.log(
    `\n-- Spark: the day's first and last file (${int(cfg.dayEventsPerFile)} lines each; the last one into the lake the same tree's DuckDB engine built ` +
      `from the day's other ${dayFiles.length - 1} files), and one ${int(cfg.sparkEventsPerFile)}-line file as the first of a day; ${cfg.sparkRepeats} run(s) each --`,
  );
  const lastFile = dayFiles[dayFiles.length - 1];
  const results = {} as PerTree<SparkResult>;
  for (const tree of trees) results[tree.label] = { first: emptyFigures(), last: emptyFigures(), big: emptyFigures() };
  // The candidate first: docs/cost.md is computed from its figures, and a Spark batch takes minutes here.
  const order = [...trees].reverse();
  for (let rep = 0; rep < cfg.sparkRepeats; rep++) {
    for (const tree of order) {
      const r = results[tree.label];
      if (r === undefined || r instanceof Error) continue;
      const day = days[tree.label];
      const dir = path.join(WORK, tree.label, `spark-${rep}`);
      try {
        if (day === undefined || day instanceof Error) throw new Error(`no day lake (its DuckDB build failed: ${day?.message.split('\n')[0]})`);
        const first = await oneBatch(tree, 'spark', path.join(dir, 'source-first'), path.join(dir, 'lake-first'), batchOf([dayFiles[0]]));
        add(r.first, first);
        describeBatch(tree.label, `run ${rep + 1}, first file of the day`, first);
        await restore(day.lakeBeforeLast, path.join(dir, 'lake-last'));
        await linkSource(day.source, dayFiles.slice(0, -1), path.join(dir, 'source-last'));
        const last = await oneBatch(tree, 'spark', path.join(dir, 'source-last'), path.join(dir, 'lake-last'), batchOf([lastFile]));
        add(r.last, last);
        describeBatch(tree.label, `run ${rep + 1}, last file of the day`, last);
        const big = await oneBatch(tree, 'spark', path.join(dir, 'source-big'), path.join(dir, 'lake-big'), batchOf([bigFile]));
        add(r.big, big);
        r.bigBatch = big;
        describeBatch(tree.label, `run ${rep + 1}, ${int(cfg.sparkEventsPerFile)}-line file`, big);
      } catch (err) {
        results[tree.label] = err instanceof Error ? err : new Error(String(err));
        console.log(`  ${tree.label}: FAILED: ${(results[tree.label] as Error).message.split('\n')[0]}`);
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Storage and query bytes (section 4)
// ---------------------------------------------------------------------------------------------

/** Parquet bytes per table folder (`<layer>/<table>`) of a lake. */
async function tableBytes(lake: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of await walk(lake)) {
    if (!f.file.endsWith('.parquet')) continue;
    const [layer, name] = path.relative(lake, f.file).split(path.sep);
    if (layer.startsWith('_')) continue; // engine bookkeeping (state, staging, trash)
    out.set(`${layer}.${name}`, (out.get(`${layer}.${name}`) ?? 0) + f.bytes);
  }
  return out;
}

async function storage(trees: readonly Tree[], hours: PerTree<HourResult>): Promise<PerTree<number>> {
  const anyHour = ok(hours.candidate) ?? ok(hours.baseline);
  if (!anyHour) return { baseline: new Error('no hour lake'), candidate: new Error('no hour lake') };
  const raw = await bytesOf(anyHour.source, '.jsonl.gz');
  const perTree = new Map<string, Map<string, number>>();
  for (const tree of trees) {
    const h = ok(hours[tree.label]);
    if (h) perTree.set(tree.label, await tableBytes(h.lake));
  }
  const names = [...new Set([...perTree.values()].flatMap((m) => [...m.keys()]))].sort();
  const rows = names.map((n) => [
    n,
    ...trees.flatMap((t) => {
      const b = perTree.get(t.label)?.get(n);
      return b === undefined ? ['-', '-'] : [mb(b), (b / raw).toFixed(3)];
    }),
  ]);
  console.log(`\n  Parquet bytes per table after the hour (raw gzip source: ${mb(raw)}):`);
  console.log(table(['table', ...trees.flatMap((t) => [t.label, 'x raw'])], rows));
  const silver = {} as PerTree<number>;
  for (const tree of trees) {
    const b = perTree.get(tree.label)?.get('silver.events');
    silver[tree.label] = b === undefined ? new Error('no silver') : b / raw;
  }
  return silver;
}

/**
 * Bytes a query reads from a table's Parquet files: the compressed size of the column chunks of
 * the columns it names (Parquet is columnar; Athena also reads, and bills, only those). Partition
 * columns live in the path and cost nothing. Also returns the table's total file bytes.
 */
async function bytesRead(con: DuckDBConnection, lake: string, t: TableDef, sql: string) {
  const files = (await walk(tableDir(lake, t))).filter((f) => f.file.endsWith('.parquet'));
  const used = t.columns.map((c) => c.name).filter((c) => new RegExp(`\\b${c}\\b`, 'i').test(sql));
  if (files.length === 0) return { tableBytes: 0, columnBytes: 0 };
  const list = files.map((f) => `'${f.file.replace(/'/g, "''")}'`).join(', ');
  const inList = used.length ? used.map((c) => `'${c}'`).join(', ') : "''";
  const r = await con.runAndReadAll(
    `SELECT coalesce(sum(total_compressed_size), 0)::BIGINT AS b FROM parquet_metadata([${list}]) WHERE path_in_schema IN (${inList})`,
  );
  return { tableBytes: sum(files.map((f) => f.bytes)), columnBytes: Number(r.getRows()[0][0]) };
}

async function rowsOf(con: DuckDBConnection, sql: string): Promise<string[][]> {
  const r = await con.runAndReadAll(sql);
  return r.getRowsJson().map((row) => row.map((v) => (v === null ? 'NULL' : String(v))));
}

function sameAnswer(a: string[][], b: string[][]): boolean {
  if (a.length !== b.length) return false;
  return a.every(
    (row, i) =>
      row.length === b[i].length &&
      row.every((v, j) => {
        const x = Number(v);
        const y = Number(b[i][j]);
        if (v !== '' && b[i][j] !== '' && Number.isFinite(x) && Number.isFinite(y)) return Math.abs(x - y) <= 1e-4 * Math.max(1, Math.abs(x));
        return v === b[i][j];
      }),
  );
}

/**
 * The five questions answered straight from silver (what a query would have to scan without the
 * gold layer), written from each question's definition independently of the gold SQL.
 */
const SILVER_ANSWERS: Record<number, string> = {
  1: `WITH f AS (
        SELECT product_id, category,
               sum(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,
               sum(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS add_to_carts,
               sum(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases
        FROM silver.events WHERE event_type IN ('page_view', 'add_to_cart', 'purchase') GROUP BY product_id, category)
      SELECT product_id, category, views, add_to_carts, purchases,
             round(CAST(add_to_carts AS DECIMAL(18,6)) / NULLIF(views, 0), 4) AS view_to_cart_rate,
             round(CAST(purchases AS DECIMAL(18,6)) / NULLIF(add_to_carts, 0), 4) AS cart_to_purchase_rate,
             round(CAST(purchases AS DECIMAL(18,6)) / NULLIF(views, 0), 4) AS view_to_purchase_rate
      FROM f ORDER BY product_id`,
  2: `SELECT event_date, event_hour, CAST(sum(revenue) AS DECIMAL(18,2)) AS revenue, count(*) AS purchases, sum(quantity) AS units
      FROM silver.events WHERE event_type = 'purchase' GROUP BY event_date, event_hour ORDER BY event_date, event_hour`,
  3: `SELECT product_id, category, count(*) AS views FROM silver.events WHERE event_type = 'page_view'
      GROUP BY product_id, category ORDER BY views DESC, product_id LIMIT 10`,
  4: `SELECT event_date, coalesce(category, '(none)') AS category, count(*) AS events,
             sum(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS page_views,
             sum(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS add_to_carts,
             sum(CASE WHEN event_type = 'remove_from_cart' THEN 1 ELSE 0 END) AS remove_from_carts,
             sum(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
             sum(CASE WHEN event_type = 'search' THEN 1 ELSE 0 END) AS searches
      FROM silver.events GROUP BY event_date, coalesce(category, '(none)') ORDER BY event_date, category`,
  5: `SELECT event_date, count(DISTINCT user_id) AS unique_users, count(DISTINCT session_id) AS unique_sessions, count(*) AS events
      FROM silver.events GROUP BY event_date ORDER BY event_date`,
};

/** The candidate's lake read with this repository's lake views and queries (the candidate's own code). */
async function queryBytes(lake: string): Promise<void> {
  console.log("\n  Bytes each deliverable query reads from the candidate's hour lake: gold vs the same answer from silver");
  const duck = await openDuck();
  try {
    const con = duck.connection;
    await registerLakeViews(con, lake);
    const rows: string[][] = [];
    for (const q of loadQueries()) {
      const goldTables = GOLD_TABLES.filter((t) => new RegExp(`\\b${t.name}\\b`, 'i').test(q.sql));
      const gold = await Promise.all(goldTables.map((t) => bytesRead(con, lake, t, q.sql)));
      const silverSql = SILVER_ANSWERS[q.id];
      const silver = await bytesRead(con, lake, silverEvents, silverSql ?? '');
      const same = silverSql ? sameAnswer(await rowsOf(con, q.sql), await rowsOf(con, silverSql)) : false;
      const goldCols = sum(gold.map((g) => g.columnBytes));
      rows.push([
        `${q.id} ${q.name}`,
        goldTables.map((t) => t.name).join('+'),
        kb(goldCols),
        kb(silver.columnBytes),
        goldCols > 0 ? `${int(silver.columnBytes / goldCols)}x` : 'n/a',
        same ? 'yes' : 'NO',
      ]);
    }
    console.log(table(['query', 'gold table(s)', 'gold cols', 'silver cols', 'silver/gold', 'same answer'], rows));
    console.log('  cols = compressed bytes of the Parquet column chunks the query names (what a columnar engine reads and Athena bills).');
  } finally {
    duck.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The summary table
// ---------------------------------------------------------------------------------------------

type Row = [string, number | undefined | Error, number | undefined | Error, string, (n: number) => string, string];

function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`);
  console.log(
    table(
      ['measure', 'baseline', 'candidate', 'target', 'candidate meets it'],
      rows.map(([name, b, c, target, fmt, verdict]) => [name, cell(b, fmt), cell(c, fmt), target, verdict]),
    ),
  );
}

const medianOf = <T>(v: T | Error | undefined, pick: (t: T) => number[]): number | undefined | Error => {
  if (v === undefined) return undefined;
  if (v instanceof Error) return v;
  const xs = pick(v);
  return xs.length ? median(xs) : undefined;
};
const num = (v: number | undefined | Error) => (typeof v === 'number' ? v : undefined);

function singleFileRows(hours: PerTree<HourResult> | undefined, days: PerTree<DayResult> | undefined): Row[] {
  type Scenario = { first: Figures; last: Figures; bigLast?: Figures };
  const specs: Array<[string, PerTree<Scenario> | undefined, (r: Scenario) => Figures | undefined]> = [
    ['(a) first file of a day', hours, (r) => r.first],
    [`(b) file ${cfg.files} of an hour (${cfg.files - 1} already in it)`, hours, (r) => r.last],
    ['(c) last file of a day (rest of the day in the lake)', days, (r) => r.bigLast],
  ];
  const rows: Row[] = [];
  for (const [name, results, pick] of specs) {
    if (!results) continue;
    const s = (l: Tree['label']) => medianOf(results[l], (r) => pick(r)?.seconds ?? []);
    const p = (l: Tree['label']) => medianOf(results[l], (r) => pick(r)?.peaks ?? []);
    rows.push([`${name}: wall`, s('baseline'), s('candidate'), `<= ${TARGET.seconds} s`, secs, met(num(s('candidate')), TARGET.seconds)]);
    rows.push([`${name}: peak memory`, p('baseline'), p('candidate'), `<= ${gb(TARGET.peakBytes)}`, gb, met(num(p('candidate')), TARGET.peakBytes)]);
    const c = (l: Tree['label']) => medianOf(results[l], (r) => pick(r)?.cpu ?? []);
    rows.push([`${name}: CPU seconds`, c('baseline'), c('candidate'), '', secs, '']);
  }
  return rows;
}

/** lines/s over the hour: all lines read / the sum of the batches' engine seconds. */
function hourRate(h: HourResult | Error | undefined): number | Error | undefined {
  if (h === undefined || h instanceof Error) return h;
  return sum(h.batches.map((b) => b.linesRead)) / sum(h.batches.map((b) => b.seconds));
}

function growth<T>(v: T | Error | undefined, pick: (t: T) => [Figures, Figures], of: keyof Figures): number | undefined | Error {
  if (v === undefined) return undefined;
  if (v instanceof Error) return v;
  const [first, last] = pick(v);
  if (first[of].length === 0 || last[of].length === 0) return undefined;
  return median(last[of]) / median(first[of]);
}

/** The slowest steps of a tree's hour, summed over its batches (where the seconds go). */
function slowestSteps(h: HourResult): string {
  const perStep = new Map<string, number>();
  for (const b of h.batches) for (const [step, s] of Object.entries(b.stepSeconds)) perStep.set(step, (perStep.get(step) ?? 0) + s);
  return [...perStep.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([step, s]) => `${step} ${s.toFixed(1)} s`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  const root = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : await fs.mkdtemp(path.join(os.tmpdir(), 'lakehouse-bench-'));
  await fs.mkdir(root, { recursive: true });
  WORK = root;
  const has = (s: string) => cfg.sections.has(s);
  const needHour = has('1') || has('2') || has('4');
  const needDay = has('1') || has('3') || has('5');
  const cpus = os.cpus();
  const dayFiles = Math.floor((24 * 60) / cfg.dayIntervalMinutes);
  console.log("bench:etl: per-batch cost, baseline (today's design) vs candidate (the working tree), measured in the same run");
  console.log(
    `  machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.platform()} ${os.release()}, node ${process.version}`,
  );
  console.log(
    `  sections: ${[...cfg.sections].join(', ')}; repeats ${cfg.repeats} (Spark ${cfg.sparkRepeats}); seed ${cfg.seed}; load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `  volumes: hour ${cfg.files} files x ${int(cfg.eventsPerFile)} lines (starter: ${int(STARTER_EVENTS_PER_FILE)}); day ${dayFiles} files x ${int(cfg.dayEventsPerFile)} lines ` +
      `(one every ${cfg.dayIntervalMinutes} min); Spark cost file ${int(cfg.sparkEventsPerFile)} lines; duplicate rate ${DUPLICATE_RATE}, malformed rate ${MALFORMED_RATE}`,
  );
  console.log("  wall = seconds of the engine call in the child process (start-up excluded); peak memory = the child's maxRSS on DuckDB,");
  console.log('  the sampled peak RSS of the whole process tree (Node + Python + JVM, every 250 ms) on Spark');
  console.log(`  work folder: ${root}${cfg.keep ? ' (kept)' : ' (removed at the end; BENCH_KEEP=1 keeps it)'}`);
  const total = performance.now();
  try {
    // BENCH_TREES=candidate (or baseline) measures one design alone, when a shared machine leaves no time for both.
    const wanted = new Set((process.env.BENCH_TREES ?? 'baseline,candidate').split(',').map((x) => x.trim()));
    const trees = [...(wanted.has('baseline') ? [await extractBaseline(root)] : []), ...(wanted.has('candidate') ? [await copyWorkingTree(root)] : [])];
    for (const t of trees) console.log(`  ${t.label}: ${t.description}`);

    const gen = path.join(root, 'generated');
    const hourFiles =
      needHour || has('5') ? await generate(path.join(gen, 'hour'), needHour ? cfg.files : 1, cfg.eventsPerFile, HOUR_START, INTERVAL_MINUTES, cfg.seed) : [];
    const day = needDay ? await generate(path.join(gen, 'day'), dayFiles, cfg.dayEventsPerFile, DAY_START, cfg.dayIntervalMinutes, cfg.seed + 1) : [];
    // The starter-volume file in the day's last slot (30 s after the small one, same 5-minute folder).
    const bigLast = has('1')
      ? (
          await generate(
            path.join(gen, 'day-last'),
            1,
            cfg.eventsPerFile,
            new Date(day[day.length - 1].eventTime.getTime() + 30_000),
            INTERVAL_MINUTES,
            cfg.seed + 2,
          )
        )[0]
      : undefined;
    const sparkFile =
      has('5') && cfg.sparkEventsPerFile !== cfg.eventsPerFile
        ? (await generate(path.join(gen, 'spark'), 1, cfg.sparkEventsPerFile, HOUR_START, INTERVAL_MINUTES, cfg.seed))[0]
        : hourFiles[0];

    // Each section's figures are printed as soon as they are measured (a long run that is
    // stopped early still shows what it measured).
    const hours = needHour ? await runHour(trees, hourFiles) : undefined;
    if (has('1') && hours) {
      printRows(`== 1 (a, b). One ${int(cfg.eventsPerFile)}-line file into the lake, DuckDB (median of ${cfg.repeats}) ==`, singleFileRows(hours, undefined));
    }
    if (has('2') && hours) {
      const b = hourRate(hours.baseline);
      const c = hourRate(hours.candidate);
      printRows(`== 2. A full hour, ${cfg.files} files x ${int(cfg.eventsPerFile)} lines, one batch per file, DuckDB ==`, [
        ['lines/s (all lines / sum of batch seconds)', b, c, `>= ${int(TARGET.linesPerSecond)}`, int, met(num(c), TARGET.linesPerSecond, true)],
      ]);
      for (const t of trees) {
        const h = ok(hours[t.label]);
        if (h)
          console.log(`  ${t.label} batches (s): ${h.batches.map((x) => x.seconds.toFixed(1)).join(', ')}\n  ${t.label} slowest steps: ${slowestSteps(h)}`);
      }
    }
    if (has('4') && hours) {
      console.log(`\n== 4. Storage after the hour (${cfg.files} files x ${int(cfg.eventsPerFile)} lines) ==`);
      const silver = await storage(trees, hours);
      printRows('  silver vs raw', [
        [
          'silver Parquet bytes / raw gzip bytes',
          silver.baseline,
          silver.candidate,
          `<= ${TARGET.silverOverRaw.toFixed(2)}`,
          (n) => n.toFixed(2),
          met(num(silver.candidate), TARGET.silverOverRaw),
        ],
      ]);
      const c = ok(hours.candidate);
      if (c) {
        try {
          await queryBytes(c.lake);
        } catch (err) {
          console.log(`  query bytes: FAILED: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }

    const days = needDay ? await runDay(trees, day, bigLast) : undefined;
    if (has('1') && days) {
      printRows(
        `== 1 (c). One ${int(cfg.eventsPerFile)}-line file as the last of a day, DuckDB (median of ${cfg.repeats}); the day's other ${dayFiles - 1} files are ${int(cfg.dayEventsPerFile)}-line files, one every ${cfg.dayIntervalMinutes} min ==`,
        singleFileRows(undefined, days),
      );
    }
    if (has('3') && days) {
      const rows: Row[] = [];
      const w = (l: Tree['label']) => growth(days[l], (d) => [d.first, d.last], 'seconds');
      const m = (l: Tree['label']) => growth(days[l], (d) => [d.first, d.last], 'peaks');
      rows.push([
        'wall: last batch / first batch',
        w('baseline'),
        w('candidate'),
        `<= ${TARGET.growth}`,
        (n) => n.toFixed(2),
        met(num(w('candidate')), TARGET.growth),
      ]);
      rows.push(['peak memory: last / first', m('baseline'), m('candidate'), '', (n) => n.toFixed(2), '']);
      rows.push([
        'CPU seconds: last / first',
        growth(days.baseline, (d) => [d.first, d.last], 'cpu'),
        growth(days.candidate, (d) => [d.first, d.last], 'cpu'),
        `<= ${TARGET.growth}`,
        (n) => n.toFixed(2),
        met(num(growth(days.candidate, (d) => [d.first, d.last], 'cpu')), TARGET.growth),
      ]);
      for (const [name, of] of [
        ['first batch of the day: wall', 'first'],
        ['last batch of the day: wall', 'last'],
      ] as const) {
        rows.push([name, medianOf(days.baseline, (d) => d[of].seconds), medianOf(days.candidate, (d) => d[of].seconds), '', secs, '']);
      }
      rows.push([
        'all batches of the day: engine seconds',
        medianOf(days.baseline, (d) => [d.buildSeconds]),
        medianOf(days.candidate, (d) => [d.buildSeconds]),
        '',
        (n) => `${n.toFixed(0)} s`,
        '',
      ]);
      printRows(
        `== 3. Growth through a UTC day, DuckDB: ${dayFiles} files x ${int(cfg.dayEventsPerFile)} lines (one every ${cfg.dayIntervalMinutes} min), one batch per file (median of ${cfg.repeats}) ==`,
        rows,
      );
    }

    const spark = has('5') && days ? await runSpark(trees, days, day, sparkFile) : undefined;
    if (spark) {
      const rows: Row[] = [];
      const w = (l: Tree['label']) => growth(spark[l], (s) => [s.first, s.last], 'seconds');
      rows.push([
        'wall: last batch of the day / first batch',
        w('baseline'),
        w('candidate'),
        `<= ${TARGET.growth}`,
        (n) => n.toFixed(2),
        met(num(w('candidate')), TARGET.growth),
      ]);
      for (const [name, of] of [
        ['first batch of the day: wall', 'first'],
        ['last batch of the day: wall', 'last'],
        [`one ${int(cfg.sparkEventsPerFile)}-line file (first of a day): wall`, 'big'],
      ] as const) {
        rows.push([name, medianOf(spark.baseline, (s) => s[of].seconds), medianOf(spark.candidate, (s) => s[of].seconds), '', secs, '']);
      }
      const c = (l: Tree['label']) => growth(spark[l], (s) => [s.first, s.last], 'cpu');
      rows.push([
        'CPU seconds: last batch of the day / first batch',
        c('baseline'),
        c('candidate'),
        `<= ${TARGET.growth}`,
        (n) => n.toFixed(2),
        met(num(c('candidate')), TARGET.growth),
      ]);
      for (const [name, of] of [
        ['first batch of the day: CPU seconds', 'first'],
        ['last batch of the day: CPU seconds', 'last'],
        [`one ${int(cfg.sparkEventsPerFile)}-line file: CPU seconds`, 'big'],
      ] as const) {
        rows.push([name, medianOf(spark.baseline, (s) => s[of].cpu), medianOf(spark.candidate, (s) => s[of].cpu), '', secs, '']);
      }
      for (const [name, of] of [
        ['first batch of the day: peak memory', 'first'],
        ['last batch of the day: peak memory', 'last'],
        [`one ${int(cfg.sparkEventsPerFile)}-line file: peak memory`, 'big'],
      ] as const) {
        rows.push([name, medianOf(spark.baseline, (s) => s[of].peaks), medianOf(spark.candidate, (s) => s[of].peaks), '', gb, '']);
      }
      printRows(
        `== 5. Spark (local[*] on ${cpus.length} cores): ${int(cfg.dayEventsPerFile)}-line first/last files of the day above (the last one into the lake the DuckDB engine of the same tree built from the day's other ${dayFiles - 1} files); median of ${cfg.sparkRepeats} ==`,
        rows,
      );
      for (const t of trees) {
        const b = ok(spark[t.label])?.bigBatch;
        if (b) {
          const steps = Object.entries(b.stepSeconds).sort((x, y) => y[1] - x[1]);
          console.log(
            `  ${t.label}, ${int(cfg.sparkEventsPerFile)}-line file: ${secs(b.seconds)} in the engine call, ${secs(sum(steps.map((s) => s[1])))} in pipeline steps; slowest: ${steps
              .slice(0, 5)
              .map(([n, s]) => `${n} ${s.toFixed(1)} s`)
              .join(', ')}`,
          );
        }
      }
    }
  } finally {
    if (!cfg.keep) await fs.rm(root, { recursive: true, force: true });
  }
  console.log(`\nbench:etl finished in ${((performance.now() - total) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(`bench:etl: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
