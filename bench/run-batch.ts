/**
 * Child process of `npm run bench:etl`: runs incremental batches of ONE engine tree (the
 * baseline commit extracted to a folder, or a copy of the working tree) and prints one result
 * line per batch. Running each measured batch in its own process gives it its own wall time and
 * its own peak memory (process.resourceUsage().maxRSS is the peak of this process since it
 * started; the Spark engine's Python and JVM are children of this process, which the parent
 * measures by sampling the process tree).
 *
 *   node --import tsx bench/run-batch.ts --root DIR --engine duckdb|spark --source DIR --lake DIR --plan FILE
 *
 * The plan is a JSON file: { "batches": [ { "arrive": [ { "from": PATH, "key": KEY } ], "now": ISO } ] }.
 * Before each batch its files "arrive" (are copied into the source folder under their bucket
 * key), then one incremental run of the engine processes what is new. Output: one line per
 * batch, `BENCH-RESULT {json}` (seconds inside the engine call, maxRss of this process so far,
 * the run's counts and step seconds). Exit 2 for bad arguments, 1 when a run fails.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { BatchPlan, BatchResult, BEGIN_LINE, Engine, RESULT_PREFIX } from './batch-child';

interface Summary {
  batchFiles: number;
  linesRead: number;
  silverRowsAdded: number;
  stepSeconds: Record<string, number>;
}
type RunFn = (opts: { source: string; lake: string; now?: Date }) => Promise<Summary>;

function fail(message: string): never {
  console.error(`run-batch: ${message}`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { root: string; engine: Engine; source: string; lake: string; plan: string } {
  const get = (name: string): string => {
    const i = argv.indexOf(`--${name}`);
    const v = i === -1 ? undefined : argv[i + 1];
    if (v === undefined || v.startsWith('--')) fail(`--${name}: required (see the usage in bench/run-batch.ts)`);
    return v;
  };
  const engine = get('engine');
  if (engine !== 'duckdb' && engine !== 'spark') fail(`--engine: expected duckdb or spark, got '${engine}'`);
  return { root: path.resolve(get('root')), engine, source: path.resolve(get('source')), lake: path.resolve(get('lake')), plan: path.resolve(get('plan')) };
}

/** The engine's incremental run, loaded from the given tree (not from this repository's etl/). */
async function loadEngine(root: string, engine: Engine): Promise<RunFn> {
  if (engine === 'duckdb') {
    const mod = (await import(path.join(root, 'etl', 'local', 'engine.ts'))) as { runIncremental: RunFn };
    return mod.runIncremental;
  }
  const mod = (await import(path.join(root, 'etl', 'spark', 'engine.ts'))) as { runSparkIncremental: RunFn };
  return mod.runSparkIncremental;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let plan: BatchPlan;
  try {
    plan = JSON.parse(await fs.readFile(args.plan, 'utf8')) as BatchPlan;
  } catch (err) {
    fail(`--plan '${args.plan}': expected a readable JSON plan (${(err as Error).message})`);
  }
  if (!Array.isArray(plan.batches) || plan.batches.length === 0) fail(`--plan '${args.plan}': expected at least one batch`);
  const run = await loadEngine(args.root, args.engine);
  for (const [i, batch] of plan.batches.entries()) {
    for (const f of batch.arrive) {
      const target = path.join(args.source, ...f.key.split('/'));
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.copyFile(f.from, target);
    }
    console.log(BEGIN_LINE);
    const before = process.resourceUsage();
    const t = performance.now();
    const summary = await run({ source: args.source, lake: args.lake, now: new Date(batch.now) });
    const seconds = (performance.now() - t) / 1000;
    const after = process.resourceUsage();
    const result: BatchResult = {
      batch: i,
      seconds,
      maxRssBytes: after.maxRSS * 1024,
      cpuSeconds: (after.userCPUTime - before.userCPUTime + after.systemCPUTime - before.systemCPUTime) / 1e6,
      batchFiles: summary.batchFiles,
      linesRead: summary.linesRead,
      silverRowsAdded: summary.silverRowsAdded,
      stepSeconds: summary.stepSeconds,
    };
    console.log(RESULT_PREFIX + JSON.stringify(result));
  }
}

main().catch((err) => {
  console.error(`run-batch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
