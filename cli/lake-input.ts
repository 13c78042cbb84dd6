/** The `--lake DIR` input shared by the commands that read a lake (query, sql, check). */
import * as fs from 'fs';
import { FlagSpec, UsageError } from './args';

export const LAKE_FLAG: FlagSpec = { name: 'lake', type: 'string', placeholder: 'DIR', required: true, description: "Lake folder written by 'lakehouse run'." };

export function isReadableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.R_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The --lake value, or a UsageError when it is not a readable folder. */
export function readableLake(value: unknown): string {
  const lake = String(value);
  if (!isReadableDir(lake)) throw new UsageError(`--lake: '${lake}' is not a readable folder: expected a folder written by 'lakehouse run'`);
  return lake;
}
