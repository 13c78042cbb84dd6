/** Shared by the local engine's crash tests: a lake's files by content, and a run killed mid-way. */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ETL_DIR, Manifest, manifest } from '../../etl/manifest';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every data file of the lake (bookkeeping folders aside) with the SHA-256 of its bytes. */
export function lakeFiles(lake: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(lake, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('_')) continue;
      if (entry.isDirectory()) walk(child);
      else
        out.set(
          child,
          crypto
            .createHash('sha256')
            .update(fs.readFileSync(path.join(lake, child)))
            .digest('hex'),
        );
    }
  };
  walk('');
  return out;
}

export interface KilledRun {
  readonly source: string;
  readonly lake: string;
  /** The run's batch time (default: now). */
  readonly now?: Date;
  /** Manifest fields other than the steps, e.g. a lower maxFilesPerPartition. */
  readonly manifest?: Partial<Omit<Manifest, 'steps'>>;
}

/**
 * Runs the local engine in a child process on the manifest's steps up to `afterStep`, then a
 * step that never ends, and kills the process once it logs that `afterStep` is done: what
 * `afterStep` and the steps before it wrote is in place, and no code of the engine runs after
 * the kill. Resolves with the run's log.
 */
export async function runKilledAfterStep(run: KilledRun, afterStep: string): Promise<string> {
  const stallAfter = manifest.steps.findIndex((st) => st.name === afterStep);
  if (stallAfter < 0) throw new Error(`no manifest step '${afterStep}'`);
  const scratch = path.join(run.lake, '..', path.basename(run.lake));
  fs.writeFileSync(`${scratch}-stall.sql`, 'SELECT COUNT(*) AS n FROM range(1000000000000) a');
  const script = `${scratch}-run.ts`;
  fs.writeFileSync(
    script,
    `import { runIncremental } from ${JSON.stringify(path.join(ROOT, 'etl', 'local', 'engine'))};
    import { manifest } from ${JSON.stringify(path.join(ROOT, 'etl', 'manifest'))};
    const steps = [...manifest.steps.slice(0, ${stallAfter + 1}), { name: 'stall', sql: ${JSON.stringify(path.relative(ETL_DIR, `${scratch}-stall.sql`))} }];
    void runIncremental({ source: ${JSON.stringify(run.source)}, lake: ${JSON.stringify(run.lake)}, now: ${run.now ? `new Date(${run.now.getTime()})` : 'undefined'},
      manifest: { ...manifest, ...${JSON.stringify(run.manifest ?? {})}, steps }, log: (l) => console.log(l) });`,
  );
  return runUntilKilled(script, `step ${afterStep}:`);
}

/**
 * Runs a TypeScript file in a child process and kills it (SIGKILL, so none of its code runs
 * after) as soon as its standard output contains `marker`. Resolves with the output seen; fails
 * when the child ends on its own first.
 */
async function runUntilKilled(script: string, marker: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the child ended before '${marker}':\n${out}`)));
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return out;
}
