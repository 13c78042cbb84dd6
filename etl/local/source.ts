/**
 * The source folder, laid out like the source bucket:
 * `events/year=YYYY/month=MM/day=DD/hour=HH/minute=mm/events-YYYYMMDD-HHMMSS.jsonl.gz`.
 * Finds the files a run must process and reads one file's lines.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { promisify } from 'util';
import { bronzeEvents, formatPartitionValue } from '../schema';
import { LakeState, ProcessedFile } from './state';

const gunzip = promisify(zlib.gunzip);

/** Keys the pipeline accepts: the source-path partitions must be present to place bronze rows. */
export const SOURCE_KEY = /^events\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/(?:[^/]+\/)*[^/]+\.jsonl\.gz$/;

/**
 * Why a key cannot be processed, or undefined when it can: it must follow the source layout and
 * its path partitions must be values the lake's path-partitioned tables hold (etl/schema.ts),
 * otherwise every run would fail on the same file instead of skipping and reporting it.
 */
export function sourceKeyProblem(key: string): string | undefined {
  const match = SOURCE_KEY.exec(key);
  if (!match) return 'outside events/year=YYYY/month=MM/day=DD/hour=HH/';
  try {
    bronzeEvents.partitionKeys.forEach((partitionKey, i) => formatPartitionValue(partitionKey, match[i + 1]));
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

export interface SourceFile {
  /** Key relative to the source root, `/`-separated. */
  readonly key: string;
  readonly absPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

export interface SourceScan {
  /** New or changed files, sorted by key. */
  readonly batch: SourceFile[];
  /** `.jsonl.gz` files that cannot be processed, each with why (reported, not processed). */
  readonly ignored: string[];
  readonly unchanged: number;
}

/** Lists source files and picks those not processed yet or changed since. */
export function scanSource(source: string, state: LakeState): SourceScan {
  const batch: SourceFile[] = [];
  const ignored: string[] = [];
  let unchanged = 0;
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(source, rel), { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(childRel);
      else if (entry.isFile() && entry.name.endsWith('.jsonl.gz')) {
        const problem = sourceKeyProblem(childRel);
        if (problem) {
          ignored.push(`${childRel} (${problem})`);
          continue;
        }
        const absPath = path.join(source, childRel);
        const stat = fs.statSync(absPath);
        const seen: ProcessedFile | undefined = state.files[childRel];
        if (seen && seen.size === stat.size && seen.mtimeMs === stat.mtimeMs) {
          unchanged++;
          continue;
        }
        // Size or time differ: only the content decides (a copied-over identical file is unchanged).
        const sha256 = hashFile(absPath);
        if (seen && seen.size === stat.size && seen.sha256 === sha256) {
          unchanged++;
          continue;
        }
        batch.push({ key: childRel, absPath, size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
      }
    }
  };
  walk('');
  batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { batch, ignored: ignored.sort(), unchanged };
}

function hashFile(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export type FileText = { readonly text: string; readonly error?: undefined } | { readonly text?: undefined; readonly error: string };

/**
 * Decompresses a whole file before any of it is used, so a corrupt file yields an error and no
 * text (never a partial ingestion). A 0-byte file is an empty file, not a corrupt one.
 * The text is normalised to lines separated by \n without a final terminator (CRLF becomes LF),
 * so splitting it on \n gives exactly the file's lines.
 */
export async function readSourceText(file: string): Promise<FileText> {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    return { error: `cannot read: ${(err as Error).message}` };
  }
  if (raw.length === 0) return { text: '' };
  let text: string;
  try {
    text = (await gunzip(raw)).toString('utf8');
  } catch (err) {
    return { error: `cannot decompress: ${(err as Error).message}` };
  }
  if (text.includes('\r')) text = text.replace(/\r\n/g, '\n');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return { text };
}

export type FileLines = { readonly lines: string[]; readonly error?: undefined } | { readonly lines?: undefined; readonly error: string };

/** The lines batch_lines gets for a file (split of readSourceText), or why it cannot be read. */
export async function readLines(file: string): Promise<FileLines> {
  const read = await readSourceText(file);
  if (read.error !== undefined) return { error: read.error };
  return { lines: read.text === '' ? [] : read.text.split('\n') };
}
