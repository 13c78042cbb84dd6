/**
 * Streams text chunks through gzip into any Writable (a file, an S3 multipart upload), with
 * back-pressure: only a few blocks are in memory at any time. Compression runs on libuv's thread
 * pool (ParallelGzip: several blocks at once), overlapping with building the next lines on the
 * main thread.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ParallelGzip } from './parallel-gzip';

/**
 * gzip level of our files. The starter compresses at 9 (its files' header says so: XFL=2);
 * level 6 (zlib's default) is several times faster on this text for about 12% more bytes; see
 * docs/generator.md for the measured trade-off.
 */
export const DEFAULT_GZIP_LEVEL = 6;

export interface GzipResult {
  /** Uncompressed bytes. */
  readonly rawBytes: number;
  /** Compressed bytes written to the sink. */
  readonly gzipBytes: number;
}

export async function writeGzip(chunks: Iterable<Buffer>, sink: Writable, level = DEFAULT_GZIP_LEVEL): Promise<GzipResult> {
  let rawBytes = 0;
  let gzipBytes = 0;
  const source = Readable.from(
    (function* () {
      for (const chunk of chunks) {
        rawBytes += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: true, highWaterMark: 4 },
  );
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      gzipBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    // The gzip header has mtime 0 and no file name, so equal input gives byte-identical output.
    await pipeline(source, new ParallelGzip({ level }), counter, sink);
  } catch (err) {
    // pipeline rejects as soon as a stream fails, before the sink's own clean-up (an S3 abort, a
    // file handle) has finished; wait for it so a Lambda is not frozen with the clean-up in flight.
    if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
    throw err;
  }
  return { rawBytes, gzipBytes };
}
