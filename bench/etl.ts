/**
 * `npm run bench:etl`: figures for the embedded engine (a benchmark, not a test: it prints, it
 * asserts nothing).
 *
 * 1. One hour at the starter's volume (12 files x 625,000 events), processed in 5-minute batches
 *    as the schedule would: wall time, and seconds and lines/s per layer (from stepSeconds).
 * 2. Storage: raw gzip bytes vs Parquet bytes per layer.
 * 3. Bytes each of the 5 deliverable queries reads from gold vs the same answer computed from
 *    silver (and a check that both answers are equal).
 * 4. Incremental cost: the time to process ONE new file with 1 hour vs N hours already in the lake
 *    (target ratio <= 1.3).
 *
 * Volumes are environment variables so a quick run is possible:
 *   BENCH_EVENTS_PER_FILE (625000)  BENCH_FILES (12)  BENCH_LONG_EVENTS_PER_FILE (100000)
 *   BENCH_LONG_HOURS (6)  BENCH_REPEATS (5)  BENCH_SEED (1)  BENCH_DIR (a new temp folder)  BENCH_KEEP (0)
 *   BENCH_SECTIONS (1,2,3,4; sections 2 and 3 need the lake of section 1, which always runs with them)
 */
import { DuckDBConnection } from '@duckdb/node-api';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { generateFiles } from '../generator';
import { runIncremental } from '../etl/local/engine';
import { Duck, openDuck } from '../etl/local/duck';
import { registerLakeViews, tableRowCounts } from '../etl/local/lake';
import { tableDir } from '../etl/local/paths';
import { loadQueries } from '../queries';
import { manifest } from '../etl/manifest';
import { GOLD_TABLES, LAKE_TABLES, silverEvents, tableById, TableDef } from '../etl/schema';

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

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
const cfg = {
  eventsPerFile: envInt('BENCH_EVENTS_PER_FILE', STARTER_EVENTS_PER_FILE, 1),
  files: envInt('BENCH_FILES', 12, 1),
  // 72 files at the starter's volume (45M events) take too long on 2 cores to build for every run;
  // the 1h-vs-6h comparison uses its own (documented) volume, the same for both lakes.
  longEventsPerFile: envInt('BENCH_LONG_EVENTS_PER_FILE', 100_000, 1),
  longHours: envInt('BENCH_LONG_HOURS', 6, 2),
  repeats: envInt('BENCH_REPEATS', 5, 1),
  seed: envInt('BENCH_SEED', 1, 0),
  /** Which sections to run, e.g. BENCH_SECTIONS=4 for the incremental comparison only. */
  sections: new Set((process.env.BENCH_SECTIONS ?? '1,2,3,4').split(',').map((x) => x.trim())),
  keep: process.env.BENCH_KEEP === '1',
};
const DUPLICATE_RATE = 0.02;
const MALFORMED_RATE = 0.005;
const INTERVAL_MINUTES = 5;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const kb = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : mb(bytes));
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

type Generated = Awaited<ReturnType<typeof generateFiles>>['files'];

async function generate(outDir: string, files: number, eventsPerFile: number, start: Date, seed: number): Promise<{ files: Generated; seconds: number }> {
  const t = performance.now();
  const r = await generateFiles({
    outDir,
    files,
    minEvents: eventsPerFile,
    maxEvents: eventsPerFile,
    start,
    intervalMinutes: INTERVAL_MINUTES,
    seed,
    duplicateRate: DUPLICATE_RATE,
    malformedRate: MALFORMED_RATE,
  });
  return { files: [...r.files].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime()), seconds: (performance.now() - t) / 1000 };
}

/** Copies a generated file into a source folder under its bucket key (the file "arrives"). */
async function arrive(file: Generated[number], source: string): Promise<void> {
  const target = path.join(source, ...file.key.split('/'));
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.copyFile(file.path, target);
}

type Summary = Awaited<ReturnType<typeof runIncremental>>;

/** Runs the files through the engine, `perBatch` files per incremental run. */
async function processInBatches(files: Generated, source: string, lake: string, perBatch: number, progress = false) {
  const runs: Array<{ summary: Summary; seconds: number }> = [];
  for (let i = 0; i < files.length; i += perBatch) {
    const batch = files.slice(i, i + perBatch);
    for (const f of batch) await arrive(f, source);
    const t = performance.now();
    const summary = await runIncremental({ source, lake, now: new Date(batch[batch.length - 1].eventTime.getTime() + 60_000) });
    runs.push({ summary, seconds: (performance.now() - t) / 1000 });
    if (progress) console.log(`  batch ${runs.length}: ${int(summary.linesRead)} lines in ${runs[runs.length - 1].seconds.toFixed(2)} s`);
  }
  return runs;
}

/**
 * The layer a step's time counts towards: that of the first step at or after it that writes a
 * table (a merge's `read` and `sql` steps belong to the table they produce); report steps after
 * the last write are "report". Step names the manifest does not know (engine I/O) keep their name.
 */
function layerOfStep(step: string): string {
  const index = manifest.steps.findIndex((s) => s.name === step);
  if (index === -1) return `engine: ${step}`;
  const writer = manifest.steps.slice(index).find((s) => s.writes);
  if (!writer?.writes) return 'report';
  const table = tableById(writer.writes);
  return table.layer === 'gold' ? 'gold (5 tables)' : table.id;
}

// ---------------------------------------------------------------------------------------------
// DuckDB access to the lake files (bench's own, read-only)
// ---------------------------------------------------------------------------------------------

/** A DuckDB session over the lake, with the engine's own views (gold names unqualified, silver as silver.events). */
async function openLake(lake: string): Promise<Duck> {
  const duck = await openDuck();
  await registerLakeViews(duck.connection, lake);
  return duck;
}

/**
 * Bytes a query reads from a table's Parquet files: the compressed size of the column chunks of
 * the columns it names (Parquet is columnar; Athena also reads, and bills, only those). Partition
 * columns live in the path and cost nothing. Also returns the table's total file bytes.
 */
async function bytesRead(con: DuckDBConnection, lake: string, t: TableDef, sql: string) {
  const files = (await walk(tableDir(lake, t))).filter((f) => f.file.endsWith('.parquet'));
  const used = t.columns.map((c) => c.name).filter((c) => new RegExp(`\\b${c}\\b`, 'i').test(sql));
  if (files.length === 0) return { files: 0, tableBytes: 0, columnBytes: 0, columns: used };
  const list = files.map((f) => `'${f.file.replace(/'/g, "''")}'`).join(', ');
  const inList = used.length ? used.map((c) => `'${c}'`).join(', ') : "''";
  const r = await con.runAndReadAll(
    `SELECT coalesce(sum(total_compressed_size), 0)::BIGINT AS b FROM parquet_metadata([${list}]) WHERE path_in_schema IN (${inList})`,
  );
  return { files: files.length, tableBytes: sum(files.map((f) => f.bytes)), columnBytes: Number(r.getRows()[0][0]), columns: used };
}

/** Result rows as plain JSON values, for comparing two answers. */
async function rowsOf(con: DuckDBConnection, sql: string): Promise<string[][]> {
  const r = await con.runAndReadAll(sql);
  return r.getRowsJson().map((row) => row.map((v) => (v === null ? 'NULL' : String(v))));
}

function sameAnswer(a: string[][], b: string[][]): boolean {
  if (a.length !== b.length) return false;
  return a.every((row, i) =>
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
 * gold layer). Written from the question's definition, independently of the gold SQL, and compared
 * with the gold answer below.
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

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

async function oneHour(root: string) {
  console.log(`\n== 1. One hour: ${cfg.files} files x ${int(cfg.eventsPerFile)} events, one incremental run per file ==`);
  const staging = path.join(root, 'hour', 'staging');
  const source = path.join(root, 'hour', 'source');
  const lake = path.join(root, 'hour', 'lake');
  const gen = await generate(staging, cfg.files, cfg.eventsPerFile, new Date('2025-11-19T17:00:00Z'), cfg.seed);
  const lines = sum(gen.files.map((f) => f.lines));
  console.log(`  generated ${int(lines)} lines (${int(sum(gen.files.map((f) => f.events)))} valid events) in ${gen.seconds.toFixed(1)} s (${int(lines / gen.seconds)} lines/s)`);

  const wall = performance.now();
  const runs = await processInBatches(gen.files, source, lake, 1, true);
  const wallSeconds = (performance.now() - wall) / 1000;
  const linesRead = sum(runs.map((r) => r.summary.linesRead));
  const perLayer = new Map<string, number>();
  for (const r of runs) {
    for (const [step, s] of Object.entries(r.summary.stepSeconds)) perLayer.set(layerOfStep(step), (perLayer.get(layerOfStep(step)) ?? 0) + s);
  }
  const batchSeconds = runs.map((r) => r.seconds);
  console.log(
    `  processing wall time ${wallSeconds.toFixed(1)} s for ${int(linesRead)} lines = ${int(linesRead / wallSeconds)} lines/s ` +
      `(per batch: min ${Math.min(...batchSeconds).toFixed(2)} s, median ${median(batchSeconds).toFixed(2)} s, max ${Math.max(...batchSeconds).toFixed(2)} s)`,
  );
  const stepTotal = sum([...perLayer.values()]);
  console.log(
    table(
      ['layer (steps)', 'seconds', 'share', 'lines/s'],
      [...perLayer.entries()].map(([layer, s]) => [layer, s.toFixed(2), `${((100 * s) / stepTotal).toFixed(1)}%`, int(linesRead / s)]).concat([['all steps', stepTotal.toFixed(2), '100%', int(linesRead / stepTotal)]]),
    ),
  );
  console.log('  (lines/s = all lines read in the hour / seconds spent in that layer\'s steps)');
  const perStep = new Map<string, number>();
  for (const r of runs) for (const [step, s] of Object.entries(r.summary.stepSeconds)) perStep.set(step, (perStep.get(step) ?? 0) + s);
  const slowest = [...perStep.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`  slowest steps: ${slowest.map(([step, s]) => `${step} ${s.toFixed(1)} s`).join(', ')}`);
  return { source, lake, runs, wallSeconds, linesRead };
}

async function storage(source: string, lake: string) {
  console.log('\n== 2. Storage: raw gzip vs Parquet per layer ==');
  const counts = await tableRowCounts(lake);
  const raw = await bytesOf(source, '.jsonl.gz');
  const rows: string[][] = [['raw (source, gzip JSON Lines)', '', mb(raw), '1.00']];
  for (const t of LAKE_TABLES) {
    const b = await bytesOf(tableDir(lake, t), '.parquet');
    rows.push([t.id, int(counts[t.id] ?? 0), mb(b), (b / raw).toFixed(2)]);
  }
  const gold = sum(await Promise.all(GOLD_TABLES.map((t) => bytesOf(tableDir(lake, t), '.parquet'))));
  rows.push(['gold (5 tables together)', '', mb(gold), (gold / raw).toFixed(4)]);
  const all = await bytesOf(lake);
  rows.push(['whole lake folder (incl. state)', '', mb(all), (all / raw).toFixed(2)]);
  console.log(table(['table', 'rows', 'bytes', 'x raw'], rows));
}

async function queryBytes(lake: string) {
  console.log('\n== 3. Bytes each deliverable query reads: gold vs the same answer from silver ==');
  const duck = await openLake(lake);
  const con = duck.connection;
  try {
    const rows: string[][] = [];
    for (const q of loadQueries()) {
      const goldTables = GOLD_TABLES.filter((t) => new RegExp(`\\b${t.name}\\b`, 'i').test(q.sql));
      const gold = await Promise.all(goldTables.map((t) => bytesRead(con, lake, t, q.sql)));
      const silverSql = SILVER_ANSWERS[q.id];
      const silver = await bytesRead(con, lake, silverEvents, silverSql);
      const same = silverSql ? sameAnswer(await rowsOf(con, q.sql), await rowsOf(con, silverSql)) : false;
      const goldCols = sum(gold.map((g) => g.columnBytes));
      rows.push([
        `${q.id} ${q.name}`,
        `${goldTables.map((t) => t.name).join('+')}`,
        kb(goldCols),
        kb(sum(gold.map((g) => g.tableBytes))),
        kb(silver.columnBytes),
        kb(silver.tableBytes),
        goldCols > 0 ? `${int(silver.columnBytes / goldCols)}x` : 'n/a',
        same ? 'yes' : 'NO',
      ]);
    }
    console.log(table(['query', 'gold table(s)', 'gold cols', 'gold files', 'silver cols', 'silver files', 'saving', 'same answer'], rows));
    console.log('  cols = compressed bytes of the Parquet column chunks the query names (what a columnar engine reads);');
    console.log('  files = total bytes of the table\'s Parquet files (upper bound). saving = silver cols / gold cols.');
  } finally {
    duck.close();
  }
}

async function incremental(root: string) {
  const perHour = 60 / INTERVAL_MINUTES;
  const longFiles = cfg.longHours * perHour;
  console.log(
    `\n== 4. One new file with 1 hour vs ${cfg.longHours} hours already in the lake ` +
      `(${int(cfg.longEventsPerFile)} events per file, ${cfg.repeats} runs each) ==`,
  );
  // All hours on one UTC day, the new file in the hour right after: gold's day partition is the
  // whole lake, the worst case for the per-day gold rewrite.
  const newFileTime = new Date('2025-11-19T16:00:00Z');
  const longStart = new Date(newFileTime.getTime() - cfg.longHours * 3600_000);
  const gen = await generate(path.join(root, 'incr', 'staging'), longFiles, cfg.longEventsPerFile, longStart, cfg.seed + 1);
  const next = await generate(path.join(root, 'incr', 'next'), 1, cfg.longEventsPerFile, newFileTime, cfg.seed + 2);
  console.log(`  generated ${longFiles + 1} files in ${(gen.seconds + next.seconds).toFixed(1)} s`);

  const lakes: Array<{ label: string; source: string; pristine: string; lake: string; seconds: number[]; stepRuns: Array<Record<string, number>> }> = [];
  for (const [label, files] of [
    ['1 hour', gen.files.slice(-perHour)],
    [`${cfg.longHours} hours`, gen.files],
  ] as const) {
    const dir = path.join(root, 'incr', label.replace(' ', '_'));
    const source = path.join(dir, 'source');
    const pristine = path.join(dir, 'lake-before');
    const t = performance.now();
    await processInBatches(files, source, pristine, perHour); // built an hour per run
    const lakeFiles = (await walk(pristine)).length;
    console.log(`  ${label}: lake built in ${((performance.now() - t) / 1000).toFixed(1)} s (${lakeFiles} files)`);
    await arrive(next.files[0], source);
    lakes.push({ label, source, pristine, lake: path.join(dir, 'lake'), seconds: [], stepRuns: [] });
  }
  // Interleaved (1h, 6h, 1h, 6h, ...) so warm-up and background load hit both sides alike.
  for (let i = 0; i < cfg.repeats; i++) {
    for (const l of lakes) {
      await fs.rm(l.lake, { recursive: true, force: true });
      await fs.cp(l.pristine, l.lake, { recursive: true });
      const s = performance.now();
      const summary = await runIncremental({ source: l.source, lake: l.lake, now: new Date(newFileTime.getTime() + 60_000) });
      l.seconds.push((performance.now() - s) / 1000);
      l.stepRuns.push(summary.stepSeconds);
      if (summary.batchFiles !== 1) throw new Error(`expected the run to process exactly the new file, it processed ${summary.batchFiles}`);
    }
  }
  const results = lakes.map((l) => {
    console.log(`  ${l.label}: new file in ${l.seconds.map((s) => s.toFixed(2)).join(', ')} s`);
    const steps = Object.fromEntries(Object.keys(l.stepRuns[0] ?? {}).map((k) => [k, median(l.stepRuns.map((r) => r[k] ?? 0))]));
    return { label: l.label, seconds: l.seconds, steps };
  });
  // Best-of-N is the figure least disturbed by other processes on a shared machine; the median is shown too.
  const best = results.map((r) => Math.min(...r.seconds));
  const mid = results.map((r) => median(r.seconds));
  console.log(
    table(
      ['lake before the new file', 'best s', 'median s'],
      results.map((r, i) => [r.label, best[i].toFixed(2), mid[i].toFixed(2)]),
    ),
  );
  const ratio = best[1] / best[0];
  console.log(
    `  ratio ${results[1].label} / 1 hour = ${ratio.toFixed(2)} best-of-${cfg.repeats}, ${(mid[1] / mid[0]).toFixed(2)} median ` +
      `(target <= 1.3: ${ratio <= 1.3 ? 'met' : 'NOT met'})`,
  );
  // Where the extra time goes: the steps whose median time grows the most with the lake.
  const growth = Object.keys(results[1].steps)
    .map((step) => ({ step, short: results[0].steps[step] ?? 0, long: results[1].steps[step] ?? 0 }))
    .sort((a, b) => b.long - b.short - (a.long - a.short))
    .slice(0, 8);
  console.log(
    table(
      ['step (median s)', '1 hour', results[1].label, 'grows by'],
      growth.map((g) => [g.step, g.short.toFixed(2), g.long.toFixed(2), `${(g.long - g.short).toFixed(2)} s`]),
    ),
  );
}

async function main() {
  const root = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : await fs.mkdtemp(path.join(os.tmpdir(), 'lakehouse-bench-'));
  await fs.mkdir(root, { recursive: true });
  const cpus = os.cpus();
  console.log('bench:etl, embedded DuckDB engine');
  console.log(`  machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.platform()} ${os.release()}, node ${process.version}`);
  console.log(
    `  volume: sections 1-3 ${cfg.files} files x ${int(cfg.eventsPerFile)} events (starter: ${int(STARTER_EVENTS_PER_FILE)}); ` +
      `section 4 ${int(cfg.longEventsPerFile)} events per file; duplicate rate ${DUPLICATE_RATE}, malformed rate ${MALFORMED_RATE}, seed ${cfg.seed}`,
  );
  console.log(`  sections: ${[...cfg.sections].join(', ')}; load average at start: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`  work folder: ${root}${cfg.keep ? ' (kept)' : ' (removed at the end; BENCH_KEEP=1 keeps it)'}`);
  const total = performance.now();
  try {
    if (['1', '2', '3'].some((x) => cfg.sections.has(x))) {
      const hour = await oneHour(root);
      if (cfg.sections.has('2')) await storage(hour.source, hour.lake);
      if (cfg.sections.has('3')) await queryBytes(hour.lake);
    }
    if (cfg.sections.has('4')) await incremental(root);
  } finally {
    if (!cfg.keep) await fs.rm(root, { recursive: true, force: true });
  }
  console.log(`\nbench:etl finished in ${((performance.now() - total) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(`bench:etl: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
});
