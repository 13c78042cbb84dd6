/**
 * A Writable that streams into one S3 object through a multipart upload: CreateMultipartUpload,
 * UploadPart for every `partSize` bytes (S3's minimum is 5 MiB except for the last part), then
 * CompleteMultipartUpload; AbortMultipartUpload on any failure so no orphaned parts keep costing.
 * Memory stays bounded: one part filling while at most one uploads.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CompletedPart,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Writable } from 'node:stream';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface S3UploadTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string;
  /** @default 8 MiB (S3 needs at least 5 MiB for every part but the last). */
  readonly partSize?: number;
}

export class S3MultipartWritable extends Writable {
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly partSize: number;
  /** Bytes handed to S3 (all parts). */
  bytesUploaded = 0;

  constructor(private readonly target: S3UploadTarget) {
    // Checked before super(): the stream schedules _construct (CreateMultipartUpload) as soon as it exists.
    const partSize = target.partSize ?? DEFAULT_PART_SIZE;
    if (partSize < MIN_PART_SIZE) throw new RangeError(`partSize: expected at least ${MIN_PART_SIZE} bytes (S3's minimum part size), got ${partSize}`);
    super();
    this.partSize = partSize;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.target.client
      .send(
        new CreateMultipartUploadCommand({
          Bucket: this.target.bucket,
          Key: this.target.key,
          ContentType: this.target.contentType ?? 'application/gzip',
        }),
      )
      .then((res) => {
        if (!res.UploadId) throw new Error(`s3://${this.target.bucket}/${this.target.key}: CreateMultipartUpload returned no UploadId`);
        this.uploadId = res.UploadId;
        callback();
      }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.partSize) return callback();
    // Wait for the previous part before starting this one: at most one part uploads while the next fills.
    const body = this.takePending();
    this.inFlight.then(() => {
      this.inFlight = this.uploadPart(body);
      // Mark as handled now (a rejection is reported by the next write or by final, not as an
      // unhandled rejection that would crash the process).
      this.inFlight.catch(() => undefined);
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const last = this.pendingBytes > 0 || this.parts.length === 0 ? this.takePending() : undefined;
    this.inFlight
      .then(async () => {
        // An empty object still needs one (empty) part to complete a multipart upload.
        if (last) await this.uploadPart(last);
        await this.target.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.target.bucket,
            Key: this.target.key,
            UploadId: this.uploadId,
            MultipartUpload: { Parts: this.parts },
          }),
        );
      })
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!error || this.uploadId === undefined) return callback(error);
    // Abort after any in-flight part settles; the original error is what the caller sees.
    this.inFlight
      .catch(() => undefined)
      .then(() => this.target.client.send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId })))
      .then(
        () => callback(error),
        (abortError: unknown) =>
          callback(new Error(`${error.message} (and AbortMultipartUpload failed: ${abortError instanceof Error ? abortError.message : String(abortError)})`)),
      );
  }

  private takePending(): Buffer {
    const body = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return body;
  }

  private async uploadPart(body: Buffer): Promise<void> {
    const partNumber = this.parts.length + 1;
    // Reserve the slot synchronously so part numbers stay in order.
    const part: CompletedPart = { PartNumber: partNumber };
    this.parts.push(part);
    const res = await this.target.client.send(
      new UploadPartCommand({
        Bucket: this.target.bucket,
        Key: this.target.key,
        UploadId: this.uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    if (!res.ETag) throw new Error(`s3://${this.target.bucket}/${this.target.key}: UploadPart ${partNumber} returned no ETag`);
    part.ETag = res.ETag;
    this.bytesUploaded += body.length;
  }
}
