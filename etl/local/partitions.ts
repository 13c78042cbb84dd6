/**
 * Partition directories of the local lake and their crash-safe writing.
 *
 * A run changes the lake in two ways: it adds a file to a partition (appending writes), or it
 * replaces a partition (replacing writes, and appends that compact a partition over its file
 * bound into one file) by two renames: the current directory moves to `_trash/<run>/...`, the
 * fully written staged directory moves into its place. Before a run puts anything in place it
 * records the path in `_trash/<run>/placed`. The run is committed by renaming its trash folder
 * to `<run>.done` (then deleted), and only after that is the processed-files state saved.
 *
 * A run that fails, or dies, before that rename is undone whole by rollbackRun() (at once, or
 * at the start of the next run): everything it placed is removed and every partition it moved
 * to its trash goes back, so the lake is exactly as before it. A run that dies after the
 * rename and before the state is saved leaves a complete lake; the next run processes the same
 * batch again and, finding its files in the file ledger, rewrites their partitions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LAKE_TABLES, TableDef } from '../schema';
import { STAGING_DIR, TRASH_DIR, tableDir } from './paths';

/** Every existing partition directory of a table, as paths relative to the lake. */
export function listPartitionDirs(lake: string, table: TableDef): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    const abs = path.join(lake, rel);
    if (!fs.existsSync(abs)) return;
    if (depth === table.partitionKeys.length) {
      out.push(rel);
      return;
    }
    const key = table.partitionKeys[depth].name;
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name.startsWith(`${key}=`)) walk(`${rel}/${entry.name}`, depth + 1);
    }
  };
  walk(table.location, 0);
  return out.sort();
}

/** Parquet files of the given partition directories (relative to the lake) that exist. */
export function partitionFiles(lake: string, relDirs: readonly string[]): string[] {
  const files: string[] = [];
  for (const rel of relDirs) {
    const abs = path.join(lake, rel);
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs).sort()) if (name.endsWith('.parquet')) files.push(path.join(abs, name));
  }
  return files;
}

/** Moves a staged partition directory into place, keeping the old one in the run's trash. */
export function swapPartition(lake: string, runId: string, relDir: string): void {
  const target = path.join(lake, relDir);
  moveToTrash(lake, runId, relDir);
  recordPlaced(lake, runId, relDir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(path.join(lake, STAGING_DIR, runId, relDir), target);
}

/** Moves a staged file into a partition directory, beside the files it holds. */
export function addFile(lake: string, runId: string, relDir: string, name: string): void {
  const rel = path.join(relDir, name);
  recordPlaced(lake, runId, rel);
  fs.mkdirSync(path.join(lake, relDir), { recursive: true });
  fs.renameSync(path.join(lake, STAGING_DIR, runId, rel), path.join(lake, rel));
}

/**
 * Removes a partition that a merge emptied (e.g. the only rows were a reprocessed file's old
 * ones): it moves to the run's trash like a replaced partition, so a run that does not commit
 * brings it back.
 */
export function removePartition(lake: string, runId: string, relDir: string): void {
  moveToTrash(lake, runId, relDir);
}

function moveToTrash(lake: string, runId: string, relDir: string): void {
  const target = path.join(lake, relDir);
  if (!fs.existsSync(target)) return;
  const trashed = path.join(lake, TRASH_DIR, runId, relDir);
  fs.mkdirSync(path.dirname(trashed), { recursive: true });
  fs.renameSync(target, trashed);
}

/** Written before the path is put in place, so an undo never misses it. */
function recordPlaced(lake: string, runId: string, rel: string): void {
  fs.mkdirSync(path.join(lake, TRASH_DIR, runId), { recursive: true });
  fs.appendFileSync(path.join(lake, TRASH_DIR, runId, PLACED_LIST), `${rel}\n`);
}

const PLACED_LIST = 'placed';
const COMMITTED_SUFFIX = '.done';

/** Commits a run whose writes are all in place (before the state is saved): its trash and staging go. */
export function finishRun(lake: string, runId: string): void {
  const trash = path.join(lake, TRASH_DIR, runId);
  if (fs.existsSync(trash)) {
    fs.renameSync(trash, trash + COMMITTED_SUFFIX);
    fs.rmSync(trash + COMMITTED_SUFFIX, { recursive: true, force: true });
  }
  fs.rmSync(path.join(lake, STAGING_DIR, runId), { recursive: true, force: true });
  for (const dir of [TRASH_DIR, STAGING_DIR]) removeIfEmpty(path.join(lake, dir));
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (another run's folder) or already gone
  }
}

/**
 * Undoes a run that did not commit: every file and partition it placed is removed and every
 * partition it moved to its trash goes back, so the lake is exactly as before the run; its
 * staging and trash are then removed. Returns the number of partitions put back.
 */
export function rollbackRun(lake: string, runId: string, tables: readonly TableDef[] = LAKE_TABLES): number {
  let restored = 0;
  const trash = path.join(lake, TRASH_DIR, runId);
  const placed = path.join(trash, PLACED_LIST);
  if (fs.existsSync(placed)) {
    for (const rel of fs.readFileSync(placed, 'utf8').split('\n').filter(Boolean)) fs.rmSync(path.join(lake, rel), { recursive: true, force: true });
  }
  if (fs.existsSync(trash)) {
    for (const table of tables) {
      for (const rel of listPartitionDirs(trash, table)) {
        fs.mkdirSync(path.dirname(path.join(lake, rel)), { recursive: true });
        fs.renameSync(path.join(trash, rel), path.join(lake, rel));
        restored++;
      }
    }
    fs.rmSync(trash, { recursive: true, force: true });
  }
  finishRun(lake, runId);
  return restored;
}

/**
 * Repairs what runs that died left: a committed run's leftover trash is deleted, a run that
 * did not commit is rolled back. Called only on a folder that is a lake (lake.ts), under the
 * run lock. Returns the number of runs rolled back.
 */
export function recoverInterruptedRuns(lake: string, tables: readonly TableDef[]): number {
  let rolledBack = 0;
  const trashRoot = path.join(lake, TRASH_DIR);
  if (fs.existsSync(trashRoot)) {
    for (const name of fs.readdirSync(trashRoot)) {
      if (name.endsWith(COMMITTED_SUFFIX)) continue;
      rollbackRun(lake, name, tables);
      rolledBack++;
    }
    fs.rmSync(trashRoot, { recursive: true, force: true });
  }
  fs.rmSync(path.join(lake, STAGING_DIR), { recursive: true, force: true });
  return rolledBack;
}

export { tableDir };
