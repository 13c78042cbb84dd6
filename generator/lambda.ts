/**
 * Lambda front end (Node.js 22): one file per invocation, streamed through gzip into a multipart
 * upload to SOURCE_BUCKET under the starter's key layout. Returns {event_count, s3_key, bucket}.
 *
 * Environment (read on every invocation; a bad value fails the invocation with a message naming it):
 *   SOURCE_BUCKET    required, bucket name
 *   MIN_EVENTS       default 500000     MAX_EVENTS  default 750000 (lines per file, uniform)
 *   DUPLICATE_RATE   default 0          MALFORMED_RATE default 0 (each 0..1, sum <= 1)
 *   TIMESTAMP_STYLE  default python     (python | z | mixed)
 *   SEED             default: the invocation time in whole seconds since the epoch, so every file
 *                    differs and any file can be regenerated from its own time
 *   GZIP_LEVEL       default 6 (1..9)
 */
import { S3Client } from '@aws-sdk/client-s3';
import { EventGenerator } from './events';
import { FaultKind } from './faults';
import { TIMESTAMP_STYLES, TimestampStyle } from './format';
import { DEFAULT_GZIP_LEVEL, writeGzip } from './gzip-writer';
import { S3MultipartWritable } from './s3-upload';

import { DEFAULT_MAX_EVENTS, DEFAULT_MIN_EVENTS } from './defaults';

export interface GeneratorResult {
  event_count: number;
  s3_key: string;
  bucket: string;
}

export interface LambdaConfig {
  readonly bucket: string;
  readonly minEvents: number;
  readonly maxEvents: number;
  readonly duplicateRate: number;
  readonly malformedRate: number;
  readonly timestampStyle: TimestampStyle;
  readonly seed: number | undefined;
  readonly gzipLevel: number;
}

/** Reads and validates the environment; throws one Error naming the first bad variable. */
export function readConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  const bad = (name: string, expected: string) => new Error(`environment variable ${name}: expected ${expected}, got '${env[name]}'`);
  const text = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const whole = (name: string, fallback: number | undefined, min: number, max: number) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw bad(name, `a whole number from ${min} to ${max}`);
    return n;
  };
  const rate = (name: string) => {
    const raw = text(name);
    if (raw === undefined) return 0;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw bad(name, 'a number from 0 to 1');
    return n;
  };
  const bucket = text('SOURCE_BUCKET');
  if (bucket === undefined) throw new Error('environment variable SOURCE_BUCKET: required (the bucket the events are written to)');
  const minEvents = whole('MIN_EVENTS', DEFAULT_MIN_EVENTS, 1, 50_000_000)!;
  const maxEvents = whole('MAX_EVENTS', Math.max(DEFAULT_MAX_EVENTS, minEvents), 1, 50_000_000)!;
  if (maxEvents < minEvents) throw bad('MAX_EVENTS', `a whole number >= MIN_EVENTS (${minEvents})`);
  const duplicateRate = rate('DUPLICATE_RATE');
  const malformedRate = rate('MALFORMED_RATE');
  if (duplicateRate + malformedRate > 1)
    throw new Error(`environment variables DUPLICATE_RATE + MALFORMED_RATE: expected a sum of at most 1, got ${duplicateRate + malformedRate}`);
  const style = text('TIMESTAMP_STYLE') ?? 'python';
  if (!(TIMESTAMP_STYLES as readonly string[]).includes(style)) throw bad('TIMESTAMP_STYLE', `one of ${TIMESTAMP_STYLES.join(', ')}`);
  return {
    bucket,
    minEvents,
    maxEvents,
    duplicateRate,
    malformedRate,
    timestampStyle: style as TimestampStyle,
    seed: whole('SEED', undefined, 0, 0xffffffff),
    gzipLevel: whole('GZIP_LEVEL', DEFAULT_GZIP_LEVEL, 1, 9)!,
  };
}

let sharedClient: S3Client | undefined;
/** One client per container, reused across warm invocations (connection reuse). */
function s3(): S3Client {
  return (sharedClient ??= new S3Client({}));
}

/** Generates and uploads one file; `now` is injectable for tests. */
export async function generateToS3(
  config: LambdaConfig,
  client: S3Client,
  now: Date,
): Promise<GeneratorResult & { malformed: Record<FaultKind, number>; duplicates: number; seed: number; raw_bytes: number; gzip_bytes: number }> {
  const seed = config.seed ?? Math.floor(now.getTime() / 1000) >>> 0;
  const generator = new EventGenerator({
    seed,
    duplicateRate: config.duplicateRate,
    malformedRate: config.malformedRate,
    timestampStyle: config.timestampStyle,
  });
  const plan = generator.planFile(now, config.minEvents, config.maxEvents);
  const sink = new S3MultipartWritable({ client, bucket: config.bucket, key: plan.key, contentType: 'application/gzip' });
  const sizes = await writeGzip(generator.chunks(plan), sink, config.gzipLevel);
  return {
    event_count: plan.lines,
    s3_key: plan.key,
    bucket: config.bucket,
    duplicates: plan.duplicates,
    malformed: { ...plan.malformed },
    seed,
    raw_bytes: sizes.rawBytes,
    gzip_bytes: sizes.gzipBytes,
  };
}

export async function handler(_event?: unknown): Promise<GeneratorResult> {
  const started = Date.now();
  const config = readConfig(process.env);
  try {
    const result = await generateToS3(config, s3(), new Date(started));
    console.log(JSON.stringify({ level: 'info', message: 'events written', ...result, seconds: (Date.now() - started) / 1000 }));
    return { event_count: result.event_count, s3_key: result.s3_key, bucket: result.bucket };
  } catch (err) {
    console.error(
      JSON.stringify({ level: 'error', message: 'event generation failed', bucket: config.bucket, error: err instanceof Error ? err.message : String(err) }),
    );
    throw err;
  }
}
