/**
 * The processed-files state of a local lake (`<lake>/_state/processed-files.json`): what the
 * job bookmark is on Glue, and the lake's run lock.
 *
 * Source files are immutable by contract. A file whose content differs from what was processed
 * (content hash, compared when the size or modification time differ) is not read again: it is
 * reported once as `changed_file` and the fingerprint it was reported with is recorded, while the
 * file keeps its ORIGINAL fingerprint, so the lake's rows for it stay and later runs neither
 * re-report nor re-read it. Only a file none of whose lines reached the lake (it could not be
 * decompressed, or it was over the size bound) is read again when its content changes.
 * The state is written last in a run, atomically (temporary file + rename).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError, ioInputError } from './errors';
import { stateDir } from './paths';
import type { FileOutcome, SourceFile } from './source';

/** Content fingerprint of a source file as the state records it. */
export interface Fingerprint {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

export interface ProcessedFile extends Fingerprint {
  /** True when no line of the file reached the lake (its read_problem was set). */
  readonly corrupt: boolean;
  /** The file's read_problem when it was processed (corrupt_file, file_too_large), if any. */
  readonly readProblem?: string;
  readonly processedAt: string;
  /** The different content last reported as changed_file (reported once, never read). */
  readonly changedTo?: Fingerprint & { readonly reportedAt: string };
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
    throw new InputError(`${file}: not valid JSON (${(err as Error).message}); delete it to reprocess every source file`);
  }
  const state = parsed as Partial<LakeState>;
  if (state.version !== 1 || typeof state.files !== 'object' || state.files === null) {
    throw new InputError(`${file}: expected {"version": 1, "files": {...}}; delete it to reprocess every source file`);
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
 * The state after a successful run. A file that could not be read is not recorded, so the next
 * run tries it again; a changed file keeps the fingerprint it was processed with and records
 * the one reported, so it is reported once; every other file is recorded as processed, with
 * its read problem (an unchanged corrupt or oversized file is not read again).
 */
export function nextState(state: LakeState, batch: readonly SourceFile[], outcomes: ReadonlyMap<string, FileOutcome>, processedAt: string): LakeState {
  const files: Record<string, ProcessedFile> = { ...state.files };
  for (const f of batch) {
    const problem = outcomes.get(f.key)?.problem;
    if (problem === 'unreadable_file') continue;
    if (problem === 'changed_file') {
      files[f.key] = { ...files[f.key], changedTo: { size: f.size, mtimeMs: f.mtimeMs, sha256: f.sha256, reportedAt: processedAt } };
      continue;
    }
    files[f.key] = {
      size: f.size,
      mtimeMs: f.mtimeMs,
      sha256: f.sha256,
      corrupt: problem !== undefined,
      ...(problem ? { readProblem: problem } : {}),
      processedAt,
    };
  }
  return { version: 1, files };
}

/**
 * The lake's run lock (`_state/run.lock`), so two runs never merge into the same partitions at
 * once. The lock file appears complete, with its owner's identity (host, pid, process start
 * time, a random token), in one atomic step: it is written under a temporary name, then
 * hard-linked to the lock name, which fails when the lock exists. A lock is taken over only
 * when its owner is provably gone: same host, and the pid is not running, is a zombie, or is a
 * different process that reused the pid (other start time). A lock from another host, or one
 * whose content cannot be read as an owner, is never taken over.
 * Returns the release function (it removes the lock only while it is still this run's).
 */
export function acquireLock(lake: string): () => void {
  const dir = stateDir(lake);
  const file = path.join(dir, LOCK_FILE);
  const me: LockOwner = {
    host: os.hostname(),
    pid: process.pid,
    startTime: processStartTime(process.pid),
    token: crypto.randomBytes(12).toString('hex'),
    since: new Date().toISOString(),
  };
  const tmp = path.join(dir, `${LOCK_FILE}.${me.pid}.${me.token}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(me), { flag: 'wx' });
  } catch (err) {
    throw ioInputError('cannot write the lake folder', dir, err, 'give a lake on a writable device with free space and write permission');
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, file);
        removeDeadWritersFiles(dir);
        return () => releaseLock(file, me.token);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw ioInputError('cannot take the run lock', file, err, 'give a lake on a writable device with free space and write permission');
      }
      const held = readLockFile(file);
      if (held === undefined) continue; // released in the meantime: try again
      const gone = held.owner !== undefined && ownerGone(held.owner);
      if (!gone)
        throw new InputError(
          `lake '${lake}' is locked by ${describeOwner(held.owner, held.text)}: wait for that run to end, or delete ${file} if it is certainly not running`,
        );
      breakStaleLock(file, held.text, tmp);
    }
    throw new InputError(`lake '${lake}': could not take the run lock ${file} (other runs keep taking it): try again`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  readonly host: string;
  readonly pid: number;
  /** Kernel start time of the process (Linux /proc), to tell a reused pid from the owner. */
  readonly startTime?: string;
  readonly token: string;
  readonly since: string;
}

function readLockFile(file: string): { text: string; owner?: LockOwner } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioInputError('cannot read the run lock', file, err, 'check the lake folder permissions');
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (typeof owner.host === 'string' && Number.isInteger(owner.pid) && typeof owner.token === 'string') return { text, owner };
  } catch {
    // not an owner record: never taken over automatically
  }
  return { text };
}

function describeOwner(owner: LockOwner | undefined, text: string): string {
  if (!owner) return `a lock file whose content is not a run's identity (${JSON.stringify(text.slice(0, 40))})`;
  return `the run of pid ${owner.pid} on host ${owner.host} since ${owner.since}`;
}

/** True only when the owner provably no longer runs: same host and its pid is gone, a zombie, or reused. */
export function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (!isAlive(owner.pid)) return true;
  if (isZombie(owner.pid)) return true;
  const start = processStartTime(owner.pid);
  return owner.startTime !== undefined && start !== undefined && start !== owner.startTime;
}

/**
 * Removes a stale lock, so that of several runs that found the same stale lock only one removes
 * it: the remover holds `run.lock.break` (taken like the lock) and removes the lock only if it still
 * has the content found stale (another run may have taken it over meanwhile).
 */
function breakStaleLock(file: string, staleText: string, ownIdentityFile: string): void {
  const breaker = `${file}.break`;
  try {
    fs.linkSync(ownIdentityFile, breaker); // complete with this run's identity, or not there at all
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioInputError('cannot take the run lock', breaker, err, 'check the lake folder permissions');
    // Another run is removing it; a breaker left by a run that died is removed for the next attempt.
    const held = readLockFile(breaker);
    if (held?.owner !== undefined && ownerGone(held.owner)) fs.rmSync(breaker, { force: true });
    return;
  }
  try {
    if (readLockFile(file)?.text === staleText) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

/**
 * Removes the temporary files (`<name>.<pid>[.<token>].tmp`) of the state and of lock attempts
 * that a killed process left in `_state/`; only those of a process that no longer runs.
 */
function removeDeadWritersFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const pid = Number(/\.(\d+)(?:\.[0-9a-f]+)?\.tmp$/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && (!isAlive(pid) || isZombie(pid))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

function releaseLock(file: string, token: string): void {
  if (readLockFile(file)?.owner?.token === token) fs.rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `/proc/<pid>/stat` fields after the command name (undefined where /proc does not exist). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A zombie has exited; only its entry remains until its parent reaps it. */
function isZombie(pid: number): boolean {
  return procStat(pid)?.[0] === 'Z';
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}
