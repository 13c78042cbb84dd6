/**
 * Local front end of the generator: writes a run of starter-compatible files under a folder laid
 * out like the source bucket (`<outDir>/events/year=.../minute=.../events-....jsonl.gz`).
 */
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { EventGenerator, FilePlan } from './events';
import { FaultKind } from './faults';
import { TimestampStyle, TIMESTAMP_STYLES } from './format';
import { DEFAULT_GZIP_LEVEL, writeGzip } from './gzip-writer';

export { EventGenerator, generationLagSeconds } from './events';
export type { FilePlan, RunOptions } from './events';
export { FAULT_KINDS } from './faults';
export type { FaultKind } from './faults';
export type { TimestampStyle } from './format';

export interface GenerateOptions {
  readonly outDir: string;
  /** Number of files (>= 1). */
  readonly files: number;
  /** Lines per file are drawn uniformly from [minEvents, maxEvents]. */
  readonly minEvents: number;
  readonly maxEvents: number;
  /** Time of the first file; file i is at start + i x intervalMinutes (the whole second is kept). */
  readonly start: Date;
  /** Minutes between files (>= 1, so keys never collide). */
  readonly intervalMinutes: number;
  /** 32-bit unsigned seed: same seed and options give byte-identical files. */
  readonly seed: number;
  readonly duplicateRate: number;
  readonly malformedRate: number;
  /** @default 'python' (the starter's `isoformat()`). */
  readonly timestampStyle?: TimestampStyle;
  /** @default 6 */
  readonly gzipLevel?: number;
}

export interface GeneratedFile {
  /** Absolute path of the written file. */
  readonly path: string;
  /** Key relative to outDir (= the S3 key the Lambda would use). */
  readonly key: string;
  readonly eventTime: Date;
  readonly lines: number;
  readonly events: number;
  readonly duplicates: number;
  readonly malformed: Record<FaultKind, number>;
  readonly rawBytes: number;
  readonly gzipBytes: number;
}

/** Throws a RangeError naming the first invalid option. */
export function validateOptions(o: GenerateOptions): void {
  const wholeAtLeast = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name}: expected a whole number >= ${min}, got ${v}`);
  };
  const rate = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new RangeError(`${name}: expected a number from 0 to 1, got ${v}`);
  };
  if (typeof o.outDir !== 'string' || o.outDir === '') throw new RangeError('outDir: expected a folder path');
  wholeAtLeast('files', o.files, 1);
  wholeAtLeast('minEvents', o.minEvents, 1);
  wholeAtLeast('maxEvents', o.maxEvents, 1);
  if (o.maxEvents < o.minEvents) throw new RangeError(`maxEvents: expected >= minEvents (${o.minEvents}), got ${o.maxEvents}`);
  if (!(o.start instanceof Date) || Number.isNaN(o.start.getTime())) throw new RangeError('start: expected a valid Date');
  wholeAtLeast('intervalMinutes', o.intervalMinutes, 1);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new RangeError(`seed: expected a whole number from 0 to 4294967295, got ${o.seed}`);
  rate('duplicateRate', o.duplicateRate);
  rate('malformedRate', o.malformedRate);
  if (o.duplicateRate + o.malformedRate > 1)
    throw new RangeError(`duplicateRate + malformedRate: expected at most 1, got ${o.duplicateRate + o.malformedRate}`);
  if (o.timestampStyle !== undefined && !TIMESTAMP_STYLES.includes(o.timestampStyle)) {
    throw new RangeError(`timestampStyle: expected one of ${TIMESTAMP_STYLES.join(', ')}, got ${String(o.timestampStyle)}`);
  }
  if (o.gzipLevel !== undefined && !(Number.isInteger(o.gzipLevel) && o.gzipLevel >= 1 && o.gzipLevel <= 9)) {
    throw new RangeError(`gzipLevel: expected a whole number from 1 to 9, got ${o.gzipLevel}`);
  }
}

/** The time of file `index` of a run. */
export function fileTime(start: Date, intervalMinutes: number, index: number): Date {
  return new Date(start.getTime() + index * intervalMinutes * 60_000);
}

export async function generateFiles(opts: GenerateOptions): Promise<{ files: GeneratedFile[] }> {
  validateOptions(opts);
  const outDir = path.resolve(opts.outDir);
  const generator = new EventGenerator({
    seed: opts.seed,
    duplicateRate: opts.duplicateRate,
    malformedRate: opts.malformedRate,
    timestampStyle: opts.timestampStyle ?? 'python',
  });
  const files: GeneratedFile[] = [];
  for (let i = 0; i < opts.files; i++) {
    const plan = generator.planFile(fileTime(opts.start, opts.intervalMinutes, i), opts.minEvents, opts.maxEvents);
    const target = path.join(outDir, ...plan.key.split('/'));
    const sizes = await writeFileAtomically(target, (sink) => writeGzip(generator.chunks(plan), sink, opts.gzipLevel ?? DEFAULT_GZIP_LEVEL));
    files.push(describe(plan, target, sizes));
  }
  return { files };
}

function describe(plan: FilePlan, target: string, sizes: { rawBytes: number; gzipBytes: number }): GeneratedFile {
  return {
    path: target,
    key: plan.key,
    eventTime: plan.eventTime,
    lines: plan.lines,
    events: plan.events,
    duplicates: plan.duplicates,
    malformed: { ...plan.malformed },
    ...sizes,
  };
}

/**
 * Writes to a temporary sibling and renames on success, so a reader (or the pipeline) never sees
 * a half-written .jsonl.gz, and a failed write leaves nothing behind.
 */
async function writeFileAtomically<T>(target: string, write: (sink: Writable) => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.partial`;
  try {
    const result = await write(createWriteStream(temp));
    await fs.rename(temp, target);
    return result;
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
