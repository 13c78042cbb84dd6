/**
 * A local S3 API for tests (tests/etl/glue/s3_endpoint.py: moto's server on loopback, with a hold
 * point that stops a writer inside a chosen request), and the S3 client that talks to it.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const SERVER = path.join(__dirname, '..', 'etl', 'glue', 's3_endpoint.py');
/** Dummy credentials: moto accepts any. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const TEST_REGION = 'us-east-1';

export interface HoldStatus {
  readonly armed: boolean;
  /** bucket/key of the first request held, or null. */
  readonly held: string | null;
}

export class S3Endpoint {
  readonly url: string;
  readonly client: S3Client;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.client = new S3Client({ endpoint: this.url, forcePathStyle: true, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  }

  /** Starts the server with the given Python (the project's virtual environment) on a free loopback port. */
  static start(python: string, timeoutMs = 120_000): Promise<S3Endpoint> {
    return new Promise((resolve, reject) => {
      const child = spawn(python, [SERVER], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
      let out = '';
      let err = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`local S3 endpoint did not start within ${timeoutMs} ms: ${err.slice(-2000)}`));
      }, timeoutMs);
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20000)));
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line && out.includes('\n')) {
          clearTimeout(timer);
          resolve(new S3Endpoint(child, (JSON.parse(line) as { port: number }).port));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`local S3 endpoint exited (${code}) before listening: ${err.slice(-2000)}`));
      });
    });
  }

  /** Stops the server and waits for it to exit. */
  async stop(): Promise<void> {
    this.client.destroy();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async createBucket(bucket: string): Promise<void> {
    await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
  }

  async put(bucket: string, key: string, body: Buffer | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  /** Every object under the prefix: key -> ETag and last-modified time. */
  async list(bucket: string, prefix = ''): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) out.set(o.Key ?? '', `${o.ETag} ${o.LastModified?.toISOString()}`);
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  /** Copies every object under the prefix into `folder`, keeping the key as the relative path (folder markers skipped). */
  async download(bucket: string, prefix: string, folder: string): Promise<number> {
    let n = 0;
    for (const key of (await this.list(bucket, prefix)).keys()) {
      if (key.endsWith('/')) continue;
      const answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const file = path.join(folder, ...key.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, Buffer.from(await answer.Body!.transformToByteArray()));
      n++;
    }
    return n;
  }

  /** Holds every later request of these methods whose "bucket/key" matches the pattern (see s3_endpoint.py). */
  hold(pattern: string, methods: readonly string[] = ['PUT', 'POST']): Promise<HoldStatus> {
    return this.control('POST', JSON.stringify({ pattern, methods }));
  }

  holdStatus(): Promise<HoldStatus> {
    return this.control('GET');
  }

  /** Disarms the hold point; held requests are answered 503 without being applied. */
  release(): Promise<HoldStatus> {
    return this.control('DELETE');
  }

  private async control(method: string, body?: string): Promise<HoldStatus> {
    const answer = await fetch(`${this.url}/__hold`, { method, body, headers: body ? { 'Content-Type': 'application/json' } : undefined });
    if (!answer.ok) throw new Error(`hold point ${method}: HTTP ${answer.status}`);
    return (await answer.json()) as HoldStatus;
  }
}
