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
/** Printed by the child right before each engine call. */
export const BEGIN_LINE = 'BENCH-BEGIN';

export interface BatchPlan {
  readonly batches: ReadonlyArray<{ readonly arrive: ReadonlyArray<{ readonly from: string; readonly key: string }>; readonly now: string }>;
}

export interface BatchResult {
  readonly batch: number;
  /** Wall seconds of the engine call (process start-up and module loading excluded). */
  readonly seconds: number;
  /** Peak resident memory of the child process itself since it started, in bytes. */
  readonly maxRssBytes: number;
  /** User + system CPU seconds of the child process itself during the engine call. */
  readonly cpuSeconds: number;
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
  /**
   * CPU seconds (user + system) of the child and its descendants during the engine call: the
   * compute the batch took, which, unlike its wall time, hardly changes when other processes
   * share the cores. Descendants' seconds are sampled, so up to SAMPLE_MS of each can be missed.
   */
  readonly treeCpuSeconds: number;
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
/**
 * Sampling period of a Spark child's process tree: often enough to see a JVM's heap grow, rare
 * enough not to disturb the run. A DuckDB child is sampled only at the start and end of a batch
 * (its memory and CPU are the child's own, which it measures exactly).
 */
const SAMPLE_MS = 250;

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

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** A process and its descendants: their summed resident bytes and each one's CPU seconds so far. */
export interface TreeSample {
  readonly rssBytes: number;
  readonly cpuSeconds: Map<number, number>;
}

/** The children of a process, from /proc/<pid>/task/<tid>/children (one file per thread). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // the process ended meanwhile, or no /proc
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * Samples a process tree from /proc: only the tree's own entries are read (a walk of all of /proc
 * on every sample costs a noticeable share of a core on a busy machine).
 */
export function sampleProcessTree(rootPid: number): TreeSample {
  let rssBytes = 0;
  const cpuSeconds = new Map<number, number>();
  const todo = [rootPid];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    // The fields after the command name (which may hold spaces and parentheses), from field 3
    // (state): utime is field 14, stime 15 (clock ticks), rss 24 (pages).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    rssBytes += Number(fields[21]) * pageSize();
    cpuSeconds.set(pid, (Number(fields[11]) + Number(fields[12])) / clockTicks());
    todo.push(...childrenOf(pid));
  }
  return { rssBytes, cpuSeconds };
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
    // CPU seconds per descendant process: at the batch's start, and the latest sample.
    let cpuAtBegin = new Map<number, number>();
    const cpuLatest = new Map<number, number>();
    const sample = () => {
      if (child.pid === undefined) return;
      const t = sampleProcessTree(child.pid);
      treePeak = Math.max(treePeak, t.rssBytes);
      for (const [pid, cpu] of t.cpuSeconds) if (pid !== child.pid) cpuLatest.set(pid, cpu);
    };
    const timer = run.engine === 'spark' ? setInterval(sample, SAMPLE_MS) : undefined;
    let pending = '';
    let errTail = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === BEGIN_LINE) {
          sample();
          cpuAtBegin = new Map(cpuLatest);
          treePeak = 0;
          continue;
        }
        if (!line.startsWith(RESULT_PREFIX)) continue;
        sample();
        const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as BatchResult;
        const descendantsCpu = [...cpuLatest].reduce((total, [pid, cpu]) => total + cpu - (cpuAtBegin.get(pid) ?? 0), 0);
        const measured = {
          ...r,
          treePeakRssBytes: treePeak,
          peakRssBytes: run.engine === 'spark' ? treePeak : r.maxRssBytes,
          treeCpuSeconds: r.cpuSeconds + descendantsCpu,
        };
        treePeak = 0;
        results.push(measured);
        run.onBatch?.(measured);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (errTail = (errTail + d).slice(-4000)));
    child.on('error', (err) => {
      if (timer) clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      if (code === 0 && results.length === run.plan.batches.length) resolve(results);
      else reject(new Error(`${run.engine} batch in ${run.root} failed (exit ${code}): ${errTail.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
