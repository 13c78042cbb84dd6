/**
 * The source folder, laid out like the source bucket:
 * `events/year=YYYY/month=MM/day=DD/hour=HH/minute=mm/events-YYYYMMDD-HHMMSS.jsonl.gz`.
 * Finds the files a run must process (scanSource), streams one file's lines (readSourceLines)
 * and copies a file of plain lines out decompressed for DuckDB's CSV reader (copyPlainText).
 *
 * Only regular files named `*.jsonl.gz` inside the layout are processed; every other entry is
 * reported with why. Symbolic links are not followed: the source bucket has none, and following
 * them could read outside the source folder or loop; copy or move the files in instead.
 */
import { isUtf8 } from 'buffer';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { bronzeEvents, formatPartitionValue } from '../schema';
import { describeIoError } from './errors';
import { LakeState, ProcessedFile } from './state';

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

/** Why a whole file's content is not in the batch (batch_files.read_problem). */
export type ReadProblem = 'corrupt_file' | 'unreadable_file' | 'file_too_large' | 'changed_file';
/** Why one line is kept as base64 of its bytes (batch_lines.line_problem). */
export type LineProblem = 'bad_encoding' | 'line_too_long';

export interface SourceFile {
  /** Key relative to the source root, `/`-separated. */
  readonly key: string;
  readonly absPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** SHA-256 of the compressed bytes ('' when the file cannot be read). */
  readonly sha256: string;
  /** Set by the scan for a file that is in the batch only to be reported: its content is not read. */
  readonly readProblem?: Extract<ReadProblem, 'unreadable_file' | 'changed_file'>;
  readonly readError?: string;
}

/** How one file of the batch was loaded: no problem when its lines are in batch_lines. */
export interface FileOutcome {
  readonly problem?: ReadProblem;
  readonly error?: string;
}

/** A source entry that is not processed, and why. */
export interface SkippedEntry {
  readonly key: string;
  readonly reason: string;
}

export interface SourceScan {
  /** Files of this batch, sorted by key: those to read, plus unreadable and changed files to report. */
  readonly batch: SourceFile[];
  /** Entries that are not processed, each with why, sorted by key. */
  readonly skipped: SkippedEntry[];
  readonly unchanged: number;
  /** New or modified files left for later runs because the batch reached maxFiles. */
  readonly pending: number;
}

export interface ScanOptions {
  /** At most this many files to read in the batch: the first ones by key (default: no limit). */
  readonly maxFiles?: number;
}

/**
 * Lists the source folder and picks the batch: files not processed yet, in key order, up to
 * maxFiles. A processed file whose content changed is not read again (sources are immutable by
 * contract): it is in the batch once with read_problem changed_file. A new file that cannot be
 * read is in every batch with read_problem unreadable_file until it can be read (a processed
 * one that changed and cannot be read is only reported as skipped). Neither counts toward
 * maxFiles (nothing of them is read).
 */
export function scanSource(source: string, state: LakeState, opts: ScanOptions = {}): SourceScan {
  const maxFiles = opts.maxFiles ?? Infinity;
  const { candidates, skipped } = listSource(source);
  const batch: SourceFile[] = [];
  let toRead = 0;
  let unchanged = 0;
  let pending = 0;
  // A file that cannot be read: reported in the batch when new, but only skipped (with why) when
  // processed before, since a batch entry would replace the rows the lake already holds for it.
  const unreadable = (c: Candidate, seen: ProcessedFile | undefined, why: string, size = 0, mtimeMs = 0) => {
    if (seen) skipped.push({ key: c.key, reason: `processed before, now cannot be read to compare: ${why}` });
    else batch.push({ key: c.key, absPath: c.absPath, size, mtimeMs, sha256: '', readProblem: 'unreadable_file', readError: `cannot read: ${why}` });
  };
  for (const c of candidates) {
    const seen: ProcessedFile | undefined = state.files[c.key];
    if (c.stat === undefined) {
      unreadable(c, seen, c.error ?? 'unknown error');
      continue;
    }
    const { size, mtimeMs } = c.stat;
    if (seen && ((seen.size === size && seen.mtimeMs === mtimeMs) || (seen.changedTo?.size === size && seen.changedTo.mtimeMs === mtimeMs))) {
      unchanged++;
      continue;
    }
    if (toRead >= maxFiles) {
      pending++;
      continue;
    }
    let sha256: string;
    try {
      sha256 = hashFile(c.absPath);
    } catch (err) {
      unreadable(c, seen, describeIoError(err), size, mtimeMs);
      continue;
    }
    // Size or time differ: only the content decides (a copied-over identical file is unchanged).
    if (seen && (seen.sha256 === sha256 || seen.changedTo?.sha256 === sha256)) {
      unchanged++;
      continue;
    }
    if (seen && !seen.corrupt) {
      batch.push({
        key: c.key,
        absPath: c.absPath,
        size,
        mtimeMs,
        sha256,
        readProblem: 'changed_file',
        readError: `processed sha256 ${seen.sha256}, now sha256 ${sha256}`,
      });
      continue;
    }
    batch.push({ key: c.key, absPath: c.absPath, size, mtimeMs, sha256 });
    toRead++;
  }
  skipped.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { batch, skipped, unchanged, pending };
}

interface Candidate {
  readonly key: string;
  readonly absPath: string;
  readonly stat?: fs.Stats;
  readonly error?: string;
}

/** Every `.jsonl.gz` regular file in the layout (sorted by key), and every other entry with why it is skipped. */
function listSource(source: string): { candidates: Candidate[]; skipped: SkippedEntry[] } {
  const candidates: Candidate[] = [];
  const skipped: SkippedEntry[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(source, rel), { withFileTypes: true });
    } catch (err) {
      skipped.push({ key: `${rel}/`, reason: `folder cannot be read: ${describeIoError(err)}` });
      return;
    }
    for (const entry of entries) {
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      const why = entryProblem(entry);
      if (why === 'folder') walk(key);
      else if (why !== undefined) skipped.push({ key: entry.isDirectory() ? `${key}/` : key, reason: why });
      else {
        const keyProblem = sourceKeyProblem(key);
        if (keyProblem) {
          skipped.push({ key, reason: keyProblem });
          continue;
        }
        const absPath = path.join(source, key);
        try {
          candidates.push({ key, absPath, stat: fs.statSync(absPath) });
        } catch (err) {
          candidates.push({ key, absPath, error: describeIoError(err) });
        }
      }
    }
  };
  walk('');
  const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return { candidates: candidates.sort(byKey), skipped: skipped.sort(byKey) };
}

/** 'folder' to descend into it, undefined for a file to process, otherwise why the entry is skipped. */
function entryProblem(entry: fs.Dirent): string | undefined {
  if (entry.isSymbolicLink()) return 'symbolic link: not followed (copy or move the files into the source folder)';
  if (entry.isDirectory()) return 'folder';
  if (!entry.isFile()) {
    const kind = entry.isFIFO()
      ? 'named pipe (FIFO)'
      : entry.isSocket()
        ? 'socket'
        : entry.isCharacterDevice() || entry.isBlockDevice()
          ? 'device'
          : 'special file';
    return `${kind}: not a regular file`;
  }
  if (entry.name.endsWith('.jsonl.gz')) return undefined;
  if (entry.name.toLowerCase().endsWith('.jsonl.gz')) return 'name must end in .jsonl.gz in lower case';
  return 'not a .jsonl.gz file';
}

/** SHA-256 of a file's bytes, read in 1 MiB pieces (no file-size limit, bounded memory). */
export function hashFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    let n: number;
    while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Per-file and per-line bounds of a read (decompressed bytes). */
export interface ReadBounds {
  /** A longer line is kept as base64 of its first maxLineBytes bytes, line_problem line_too_long. */
  readonly maxLineBytes: number;
  /** A file decompressing to more is not read at all: read_problem file_too_large. */
  readonly maxFileBytes: number;
}

export const DEFAULT_READ_BOUNDS: ReadBounds = { maxLineBytes: 1024 * 1024, maxFileBytes: 4 * 1024 * 1024 * 1024 };

/** One line as batch_lines holds it. */
export interface SourceLine {
  readonly line: string;
  readonly problem: LineProblem | null;
}

/** How reading a file ended: its number of lines given, or why its content is not in the batch. */
export type FileRead =
  { readonly problem?: undefined; readonly lines: number } | { readonly problem: Exclude<ReadProblem, 'changed_file'>; readonly error: string };

/**
 * The read error of a file that cannot be decompressed, in the words both engines use (the Glue
 * job's reader says the same): the zlib bindings' own messages differ between Node and Python.
 */
export function decompressError(truncated: boolean): string {
  return `cannot decompress: ${truncated ? 'the gzip data ends before its end-of-stream marker' : 'not valid gzip data'}`;
}

/** Why a file's content is not in the batch: it cannot be read, or cannot be read whole. */
type ReadFailure = Extract<FileRead, { readonly problem: string }>;

/**
 * Feeds the decompressed bytes of a file to onChunk, at most maxFileBytes of them; resolves
 * with why the file cannot be read whole, or undefined. An error onChunk throws is thrown.
 */
async function decompressFile(file: string, bounds: ReadBounds, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<ReadFailure | undefined> {
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 16 });
  let readError: Error | undefined;
  let compressedBytes = 0;
  input.on('data', (chunk) => (compressedBytes += chunk.length));
  input.on('error', (err) => {
    readError = err;
    gunzip.destroy(err);
  });
  input.pipe(gunzip);
  let decompressed = 0;
  let sinkFailed = false;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      decompressed += chunk.length;
      if (decompressed > bounds.maxFileBytes) {
        return { problem: 'file_too_large', error: `decompresses to more than ${bounds.maxFileBytes} bytes (the per-file bound)` };
      }
      sinkFailed = true;
      await onChunk(chunk);
      sinkFailed = false;
    }
    return undefined;
  } catch (err) {
    if (sinkFailed) throw err;
    if (readError !== undefined) return { problem: 'unreadable_file', error: `cannot read: ${describeIoError(readError)}` };
    if (compressedBytes === 0) return undefined; // a 0-byte file: empty, not corrupt
    return { problem: 'corrupt_file', error: decompressError((err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') };
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * Streams one file's lines to onLines, a group at a time, with memory bounded by the bounds
 * whatever the file holds. A line is its bytes without the terminator (`\n`, or `\r\n`), and
 * a UTF-8 byte order mark at the start of the file is removed. Blank lines (empty or spaces
 * only, which are not records) are left out unless keepBlank. A line that is not valid UTF-8 is
 * given as the base64 of its exact bytes (bad_encoding); a line longer than maxLineBytes as the
 * base64 of its first maxLineBytes bytes (line_too_long).
 * When the result has a problem, the lines already given belong to a file that is read
 * completely or not at all: the caller discards them. A 0-byte file is an empty file.
 */
export async function readSourceLines(
  file: string,
  bounds: ReadBounds,
  onLines: (lines: SourceLine[]) => void | Promise<void>,
  opts: { keepBlank?: boolean } = {},
): Promise<FileRead> {
  const keepBlank = opts.keepBlank ?? false;
  const max = bounds.maxLineBytes;
  let group: SourceLine[] = [];
  let count = 0;
  let atFileStart = true;
  // The current line's bytes so far, at most max + 1 of them (+1: a final \r is not counted).
  let parts: Buffer[] = [];
  let partBytes = 0;
  let overflow = false;

  const take = (bytes: Buffer, tooLongAlready: boolean) => {
    let b = bytes;
    if (atFileStart) {
      atFileStart = false;
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    }
    if (!tooLongAlready && b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
    if (tooLongAlready || b.length > max) {
      group.push({ line: b.subarray(0, max).toString('base64'), problem: 'line_too_long' });
    } else if (b.length === 0) {
      if (keepBlank) group.push({ line: '', problem: null });
      return;
    } else if (!isUtf8(b)) {
      group.push({ line: b.toString('base64'), problem: 'bad_encoding' });
    } else {
      const line = b.toString('utf8');
      if (!keepBlank && line.charCodeAt(0) === 0x20 && /^ +$/.test(line)) return;
      group.push({ line, problem: null });
    }
    count++;
  };
  const keep = (piece: Buffer) => {
    const room = max + 1 - partBytes;
    if (piece.length > room) overflow = true;
    if (room > 0) {
      const kept = Buffer.from(piece.subarray(0, Math.min(room, piece.length)));
      parts.push(kept);
      partBytes += kept.length;
    }
  };
  const endLine = () => {
    take(parts.length === 1 ? parts[0] : Buffer.concat(parts), overflow);
    parts = [];
    partBytes = 0;
    overflow = false;
  };
  const flush = async () => {
    if (group.length === 0) return;
    const lines = group;
    group = [];
    await onLines(lines);
  };

  const failure = await decompressFile(file, bounds, async (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (nl === start && partBytes === 0 && !overflow && !keepBlank)
        atFileStart = false; // an empty line: nothing to keep
      else if (partBytes === 0 && !overflow) take(chunk.subarray(start, nl), false);
      else {
        keep(chunk.subarray(start, nl));
        endLine();
      }
      start = nl + 1;
    }
    if (start < chunk.length) keep(chunk.subarray(start));
    await flush();
  });
  if (failure !== undefined) return failure;
  if (partBytes > 0 || overflow) endLine();
  await flush();
  return { lines: count };
}

/** Thrown inside copyPlainText's chunk handler to stop reading a file that is not plain text. */
class NotPlainText extends Error {}

/**
 * Copies a file's decompressed bytes to `dest` when they are plain lines: valid UTF-8, the
 * first byte not 0xEF (a byte order mark), without carriage return, NUL or 0x01 bytes, no line
 * longer than maxLineBytes. `dest` needs room for the decompressed file (at most maxFileBytes).
 * Such a file's lines, less the blank ones, are exactly what readSourceLines gives, and DuckDB's
 * CSV reader takes them from `dest` as they are (no quoting, 0x01 as the delimiter) much faster
 * than Node can append them. Resolves
 * `{ plain: false }` as soon as a byte or a line rules that out (`dest` is then removed and the
 * caller reads the file with readSourceLines, decompressing it a second time), or with why the
 * file cannot be read.
 */
export async function copyPlainText(file: string, bounds: ReadBounds, dest: string): Promise<ReadFailure | { readonly plain: boolean }> {
  const max = bounds.maxLineBytes;
  const fd = fs.openSync(dest, 'w');
  // The bytes after the last line end so far: the start of a line the next chunk continues.
  let tail = Buffer.alloc(0);
  let first = true;
  const plainLines = (bytes: Buffer, lineStart: number) => {
    for (let nl = bytes.indexOf(0x0a, lineStart); nl !== -1; nl = bytes.indexOf(0x0a, lineStart)) {
      if (nl - lineStart > max) return false;
      lineStart = nl + 1;
    }
    return bytes.length - lineStart <= max;
  };
  let outcome: ReadFailure | { plain: boolean };
  try {
    const failure = await decompressFile(file, bounds, (chunk) => {
      if ((first && chunk[0] === 0xef) || chunk.includes(0x0d) || chunk.includes(0x00) || chunk.includes(0x01)) throw new NotPlainText();
      first &&= chunk.length === 0;
      const lastNl = chunk.lastIndexOf(0x0a);
      // Whole lines only: a multi-byte character never spans a line end.
      const lines = lastNl === -1 ? Buffer.concat([tail, chunk]) : Buffer.concat([tail, chunk.subarray(0, lastNl + 1)]);
      if (!plainLines(lines, 0) || (lastNl !== -1 && !isUtf8(lines))) throw new NotPlainText();
      tail = lastNl === -1 ? lines : Buffer.from(chunk.subarray(lastNl + 1));
      for (let written = 0; written < chunk.length;) written += fs.writeSync(fd, chunk, written);
    }).catch((err) => {
      if (err instanceof NotPlainText) return { plain: false };
      throw err;
    });
    outcome = failure ?? { plain: tail.length <= max && isUtf8(tail) };
  } finally {
    fs.closeSync(fd);
  }
  if (!('plain' in outcome) || !outcome.plain) fs.rmSync(dest, { force: true });
  return outcome;
}

export type FileLines = { readonly lines: string[]; readonly error?: undefined } | { readonly lines?: undefined; readonly error: string };

/** Every line of a small file as batch_lines gets it, blank lines included, or why it cannot be read (tests and tools). */
export async function readLines(file: string, bounds: ReadBounds = DEFAULT_READ_BOUNDS): Promise<FileLines> {
  const lines: string[] = [];
  const read = await readSourceLines(file, bounds, (group) => void lines.push(...group.map((l) => l.line)), { keepBlank: true });
  return read.problem === undefined ? { lines } : { error: read.error };
}
