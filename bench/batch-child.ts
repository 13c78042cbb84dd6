/**
 * Runs engine batches in a child process (bench/run-batch.ts) and measures each one: the wall
 * seconds of the engine call, the child's own peak memory (its maxRSS), and the peak memory of
 * the child's whole process tree (the Spark engine runs Python, which runs a JVM), sampled from
 * /proc. Shared by bench/etl.ts (the parent) and bench/run-batch.ts (the child).
 */
import { execFileSync, spawn } from 'child_process';
import { promises as fs, readdirSync, readFileSync } from 'fs';
import * as path from 'path';

export type Engine = 'duckdb' | 'spark';

/** Marks the child's result lines on stdout (engines may print other lines). */
export const RESULT_PREFIX = 'BENCH-RESULT ';

export interface BatchPlan {
  readonly batches: ReadonlyArray<{ readonly arrive: ReadonlyArray<{ readonly from: string; readonly key: string }>; readonly now: string }>;
}

export interface BatchResult {
  readonly batch: number;
  /** Wall seconds of the engine call (process start-up and module loading excluded). */
  readonly seconds: number;
  /** Peak resident memory of the child process itself since it started, in bytes. */
  readonly maxRssBytes: number;
  readonly batchFiles: number;
  readonly linesRead: number;
  readonly silverRowsAdded: number;
  readonly stepSeconds: Record<string, number>;
}

export interface MeasuredBatch extends BatchResult {
  /** Highest sampled sum of the resident memory of the child and all its descendants, in bytes. */
  readonly treePeakRssBytes: number;
  /**
   * The figure reported as peak memory. DuckDB runs inside the child: its exact maxRSS. Spark runs
   * in the child's Python and JVM processes: the sampled peak of the whole tree (a lower bound,
   * a peak shorter than the sampling interval can be missed).
   */
  readonly peakRssBytes: number;
}

export interface ChildRun {
  /** Engine tree: a folder holding etl/ (and node_modules, .venv) of the design measured. */
  readonly root: string;
  readonly engine: Engine;
  readonly source: string;
  readonly lake: string;
  readonly plan: BatchPlan;
  /** Where the plan file is written. */
  readonly planFile: string;
  /** Called with each batch's figures as soon as the child prints them. */
  readonly onBatch?: (b: MeasuredBatch) => void;
}

const RUNNER = path.join(__dirname, 'run-batch.ts');
const REPO = path.resolve(__dirname, '..');
/** Often enough to see a JVM's heap grow; cheap enough (one /proc walk) not to disturb the run. */
const SAMPLE_MS = 100;

let pageBytes: number | undefined;
function pageSize(): number {
  if (pageBytes === undefined) {
    try {
      pageBytes = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageBytes = 4096;
    }
  }
  return pageBytes;
}

/** Resident bytes of a process and all its descendants, from /proc/<pid>/stat (0 when /proc is absent). */
export function processTreeRss(rootPid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    // Fields after the command name (which may hold spaces and parentheses): state ppid ... rss is field 24.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(name);
    const ppid = Number(fields[1]);
    rss.set(pid, Number(fields[21]) * pageSize());
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const todo = [rootPid];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    total += rss.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Runs the plan's batches in one child process; resolves with each batch's figures. With more
 * than one batch in a child, maxRssBytes is the peak since the child started (use one batch per
 * child where memory matters); treePeakRssBytes is sampled per batch.
 */
export async function runInChild(run: ChildRun): Promise<MeasuredBatch[]> {
  await fs.mkdir(path.dirname(run.planFile), { recursive: true });
  await fs.writeFile(run.planFile, JSON.stringify(run.plan));
  const args = ['--import', 'tsx', RUNNER, '--root', run.root, '--engine', run.engine, '--source', run.source, '--lake', run.lake, '--plan', run.planFile];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const results: MeasuredBatch[] = [];
    let treePeak = 0;
    const timer = setInterval(() => {
      if (child.pid !== undefined) treePeak = Math.max(treePeak, processTreeRss(child.pid));
    }, SAMPLE_MS);
    let pending = '';
    let errTail = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith(RESULT_PREFIX)) continue;
        const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as BatchResult;
        const measured = { ...r, treePeakRssBytes: treePeak, peakRssBytes: run.engine === 'spark' ? treePeak : r.maxRssBytes };
        treePeak = 0;
        results.push(measured);
        run.onBatch?.(measured);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (errTail = (errTail + d).slice(-4000)));
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (code === 0 && results.length === run.plan.batches.length) resolve(results);
      else reject(new Error(`${run.engine} batch in ${run.root} failed (exit ${code}): ${errTail.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
