/**
 * Local lake layout: `<lake>/<table.location>/<key>=<value>/.../*.parquet`, exactly the relative
 * layout of the analytics bucket, with partition directories rendered by etl/schema.ts
 * partitionPath(). Engine bookkeeping lives beside the tables under `_`-prefixed folders that
 * no table location uses: `_state/` (processed files, lock), `_staging/` and `_trash/`
 * (partition swaps in flight).
 */
import * as path from 'path';
import { TableDef } from '../schema';

export const STATE_DIR = '_state';
export const STAGING_DIR = '_staging';
export const TRASH_DIR = '_trash';

export function tableDir(lake: string, table: TableDef): string {
  return path.join(lake, ...table.location.split('/'));
}

/** Glob of every data file of a table: one `*=*` level per partition key. */
export function tableGlob(lake: string, table: TableDef): string {
  return [tableDir(lake, table), ...table.partitionKeys.map(() => '*=*'), '*.parquet'].join('/');
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
