/**
 * Local lake layout: `<lake>/<table.location>/<key>=<value>/.../*.parquet`, exactly the relative
 * layout of the analytics bucket, with partition directories rendered by etl/schema.ts
 * partitionPath(). Engine bookkeeping lives beside the tables under `_`-prefixed folders that
 * no table location uses: `_state/` (processed files, lock), `_staging/` and `_trash/`
 * (partition swaps in flight). The marker file `_lakehouse-lake.json` says the folder is a
 * lake the engine created: the engine reads, replaces or deletes nothing in a folder without it.
 */
import * as path from 'path';
import { TableDef } from '../schema';

export const STATE_DIR = '_state';
export const STAGING_DIR = '_staging';
export const TRASH_DIR = '_trash';
export const LAKE_MARKER = '_lakehouse-lake.json';

export function tableDir(lake: string, table: TableDef): string {
  return path.join(lake, ...table.location.split('/'));
}

export function markerPath(lake: string): string {
  return path.join(lake, LAKE_MARKER);
}

export function stateDir(lake: string): string {
  return path.join(lake, STATE_DIR);
}

export function stagingDir(lake: string, runId: string): string {
  return path.join(lake, STAGING_DIR, runId);
}

export function trashDir(lake: string, runId: string): string {
  return path.join(lake, TRASH_DIR, runId);
}
