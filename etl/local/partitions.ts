/**
 * Partition directories of the local lake and their crash-safe replacement.
 *
 * A partition is replaced by two renames: the current directory moves to `_trash/<run>/...`,
 * the fully written staged directory moves into its place. Readers therefore see either the
 * old or the new complete partition, except for the instant between the two renames; a crash
 * in that instant is repaired by recoverInterruptedSwaps() at the start of the next run, which
 * moves the old directory back. The processed-files state is committed only after every
 * partition is in place, so the next run processes the same batch again and, because every
 * merge replaces the rows of the batch's files, produces the same partitions.
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
  const staged = path.join(lake, STAGING_DIR, runId, relDir);
  const trashed = path.join(lake, TRASH_DIR, runId, relDir);
  if (fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(trashed), { recursive: true });
    fs.renameSync(target, trashed);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(staged, target);
}

/**
 * Removes a partition that a merge emptied (e.g. the only rows were a reprocessed file's old
 * ones): it moves to the run's trash like a replaced partition, so a crash before the state is
 * committed brings it back and the rerun removes it again.
 */
export function removePartition(lake: string, runId: string, relDir: string): void {
  const target = path.join(lake, relDir);
  if (!fs.existsSync(target)) return;
  const trashed = path.join(lake, TRASH_DIR, runId, relDir);
  fs.mkdirSync(path.dirname(trashed), { recursive: true });
  fs.renameSync(target, trashed);
}

/** Removes the bookkeeping of a run whose partitions are all in place (before the state is committed). */
export function finishRun(lake: string, runId: string): void {
  for (const dir of [TRASH_DIR, STAGING_DIR]) {
    fs.rmSync(path.join(lake, dir, runId), { recursive: true, force: true });
    removeIfEmpty(path.join(lake, dir));
  }
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (another run's folder) or already gone
  }
}

/**
 * Undoes what a failed run left half done: every partition it moved to its trash whose
 * replacement never arrived goes back in place; its staging and trash are then removed.
 * Partitions already replaced stay replaced (the state is not committed, so the next run
 * processes the same batch again and rewrites them identically). Returns the number restored.
 */
export function rollbackRun(lake: string, runId: string, tables: readonly TableDef[] = LAKE_TABLES): number {
  let restored = 0;
  const trash = path.join(lake, TRASH_DIR, runId);
  if (fs.existsSync(trash)) {
    for (const table of tables) {
      for (const rel of listPartitionDirs(trash, table)) {
        const target = path.join(lake, rel);
        if (!fs.existsSync(target)) {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.renameSync(path.join(trash, rel), target);
          restored++;
        }
      }
    }
  }
  finishRun(lake, runId);
  return restored;
}

/**
 * Repairs what a crashed run left: an old partition in the trash whose replacement never
 * arrived goes back in place; staged files that were never swapped in are discarded.
 * Called only on a folder that is a lake (lake.ts), under the run lock.
 * Returns the number of partitions restored.
 */
export function recoverInterruptedSwaps(lake: string, tables: readonly TableDef[]): number {
  let restored = 0;
  const trashRoot = path.join(lake, TRASH_DIR);
  if (fs.existsSync(trashRoot)) {
    for (const runId of fs.readdirSync(trashRoot)) restored += rollbackRun(lake, runId, tables);
    fs.rmSync(trashRoot, { recursive: true, force: true });
  }
  fs.rmSync(path.join(lake, STAGING_DIR), { recursive: true, force: true });
  return restored;
}

export { tableDir };
