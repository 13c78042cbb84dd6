/**
 * gzip on every core, still one ordinary gzip member (the pigz technique).
 *
 * zlib's stream compresses on one thread, and compression is most of the generator's CPU time.
 * Here the input is cut into fixed-size blocks that deflate independently on libuv's thread pool;
 * each block is primed with the previous block's last 32 KiB as its dictionary (so matches across
 * the cut are still found) and ends with a sync flush (byte-aligned, not final), so the raw deflate
 * outputs simply concatenate into one valid deflate stream. The CRC-32 of the whole input is
 * computed as it passes. Readers see a standard single-member gzip file.
 *
 * Output bytes depend only on the input bytes, the level and the block size (never on how the
 * input was chunked or on thread timing), so equal input still gives byte-identical files.
 */
import { availableParallelism } from 'node:os';
import { Transform, TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw, ZlibOptions } from 'node:zlib';

const WINDOW = 32 * 1024;
export const DEFAULT_BLOCK_SIZE = 1024 * 1024;

export interface ParallelGzipOptions {
  /** 1..9 */
  readonly level: number;
  /** Bytes of input per independently compressed block. @default 1 MiB */
  readonly blockSize?: number;
  /** Blocks compressing at once (memory bound: about 2 x this x blockSize). @default cores + 1 */
  readonly maxInFlight?: number;
}

function deflateBlock(block: Buffer, options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRaw(block, options, (err, out) => (err ? reject(err) : resolve(out))));
}

export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly maxInFlight: number;
  private block: Buffer;
  private used = 0;
  private previousTail: Buffer | undefined;
  private crc = 0;
  private inputBytes = 0;
  /** Compressed blocks in input order, each settling independently. */
  private readonly queue: Array<Promise<Buffer>> = [];
  private headerWritten = false;

  constructor(options: ParallelGzipOptions) {
    super();
    this.level = options.level;
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.maxInFlight = options.maxInFlight ?? availableParallelism() + 1;
    if (!(Number.isInteger(this.level) && this.level >= 1 && this.level <= 9)) throw new RangeError(`level: expected 1..9, got ${this.level}`);
    if (this.blockSize < WINDOW) throw new RangeError(`blockSize: expected at least ${WINDOW} bytes, got ${this.blockSize}`);
    this.block = Buffer.allocUnsafe(this.blockSize);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.inputBytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.blockSize - this.used);
      chunk.copy(this.block, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === this.blockSize) this.submit(false);
    }
    this.drain(this.maxInFlight).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.submit(true);
    this.drain(0).then(() => {
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.inputBytes % 2 ** 32, 4);
      callback(null, trailer);
    }, callback);
  }

  /** Starts compressing the current block (the last one is finished, the others sync-flushed). */
  private submit(last: boolean): void {
    const block = this.block.subarray(0, this.used);
    const options: ZlibOptions = { level: this.level, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
    if (this.previousTail) options.dictionary = this.previousTail;
    const job = deflateBlock(block, options);
    job.catch(() => undefined); // reported in order by drain(), not as an unhandled rejection
    this.queue.push(job);
    if (!last) {
      this.previousTail = Buffer.from(block.subarray(block.length - WINDOW));
      this.block = Buffer.allocUnsafe(this.blockSize);
      this.used = 0;
    }
  }

  /** Emits finished blocks in order until at most `keep` are still compressing. */
  private async drain(keep: number): Promise<void> {
    if (!this.headerWritten) {
      // Node's own header: no mtime, no name; XFL as zlib sets it (2 = best, 4 = fastest); OS 3 (Unix).
      this.push(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, this.level === 9 ? 2 : this.level === 1 ? 4 : 0, 3]));
      this.headerWritten = true;
    }
    while (this.queue.length > keep) {
      const out = await this.queue[0];
      this.queue.shift();
      this.push(out);
    }
  }
}
