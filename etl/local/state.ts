/**
 * The processed-files state of a local lake (`<lake>/_state/processed-files.json`): what the
 * job bookmark is on Glue. A file is processed again only when it changed (size, or content
 * hash when the size or modification time differ), so an unchanged corrupt file is not retried.
 * The state is written last in a run, atomically (temporary file + rename).
 */
import * as fs from 'fs';
import * as path from 'path';
import { stateDir } from './paths';

export interface ProcessedFile {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  readonly corrupt: boolean;
  readonly processedAt: string;
}

export interface LakeState {
  readonly version: 1;
  readonly files: Record<string, ProcessedFile>;
}

const STATE_FILE = 'processed-files.json';
const LOCK_FILE = 'run.lock';

export function statePath(lake: string): string {
  return path.join(stateDir(lake), STATE_FILE);
}

export function loadState(lake: string): LakeState {
  const file = statePath(lake);
  if (!fs.existsSync(file)) return { version: 1, files: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); delete it to reprocess every source file`);
  }
  const state = parsed as Partial<LakeState>;
  if (state.version !== 1 || typeof state.files !== 'object' || state.files === null) {
    throw new Error(`${file}: expected {"version": 1, "files": {...}}; delete it to reprocess every source file`);
  }
  return state as LakeState;
}

export function saveState(lake: string, state: LakeState): void {
  fs.mkdirSync(stateDir(lake), { recursive: true });
  const file = statePath(lake);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 1));
  fs.renameSync(tmp, file);
}

/**
 * Takes the lake's run lock, so two runs never merge into the same partitions at once.
 * A lock left by a process that no longer exists (a crash) is taken over.
 */
export function acquireLock(lake: string): () => void {
  fs.mkdirSync(stateDir(lake), { recursive: true });
  const file = path.join(stateDir(lake), LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(`${lake}: another run (pid ${pid}) is processing this lake; wait for it or delete ${file} if it is gone`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`${lake}: could not take the run lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
