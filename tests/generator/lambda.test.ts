import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { generateToS3, GeneratorResult, handler, readConfig } from '../../generator/lambda';
import { writeGzip } from '../../generator/gzip-writer';
import { S3MultipartWritable } from '../../generator/s3-upload';

const KEY_LAYOUT =
  /^events\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/minute=(\d{2})\/events-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.jsonl\.gz$/;

const stubS3 = () => mockClient(S3Client);
let s3Mock: ReturnType<typeof stubS3>;

/**
 * S3 is stubbed only while a suite that needs it runs: a stub made when the file loads would
 * answer every S3 call of the test files that run after this one.
 */
function withStubbedS3(): void {
  before(() => {
    s3Mock = stubS3();
  });
  after(() => s3Mock.restore());
}

/** A fake S3 that records every part body; returns the uploaded object's bytes. */
function fakeS3(): { body: () => Buffer } {
  const parts = new Map<number, Buffer>();
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3Mock.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => {
    parts.set(input.PartNumber ?? -1, Buffer.from(input.Body as Uint8Array));
    return { ETag: `"etag-${input.PartNumber}"` };
  });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
  return { body: () => Buffer.concat([...parts.keys()].sort((a, b) => a - b).map((n) => parts.get(n)!)) };
}

function withEnv(env: Record<string, string | undefined>, body: () => Promise<void>): Promise<void> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    saved[k] = process.env[k];
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  return body().finally(() => {
    for (const k of Object.keys(saved)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}

function captureConsole(): { lines: string[]; errors: string[]; restore: () => void } {
  const lines: string[] = [];
  const errors: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  console.error = (...a: unknown[]) => errors.push(a.join(' '));
  return { lines, errors, restore: () => Object.assign(console, { log, error }) };
}

const BASE_ENV = {
  SOURCE_BUCKET: 'capstone-events-stu-123456789012',
  MIN_EVENTS: '3000',
  MAX_EVENTS: '3000',
  SEED: '5',
  DUPLICATE_RATE: undefined,
  MALFORMED_RATE: undefined,
  TIMESTAMP_STYLE: undefined,
  GZIP_LEVEL: undefined,
};

/** Runs the handler with `env`, expecting it to reject; returns the error and what it logged. */
async function runHandlerExpectingFailure(env: Record<string, string | undefined>): Promise<{ error: unknown; out: ReturnType<typeof captureConsole> }> {
  const out = captureConsole();
  try {
    await withEnv(env, () => handler({}).then(() => undefined));
  } catch (error) {
    return { error, out };
  } finally {
    out.restore();
  }
  throw new Error('expected the handler to fail');
}

describe('generator Lambda: configuration', () => {
  it('needs SOURCE_BUCKET and applies the documented defaults', () => {
    expect(() => readConfig({})).to.throw(/SOURCE_BUCKET: required/);
    expect(() => readConfig({ SOURCE_BUCKET: '  ' })).to.throw(/SOURCE_BUCKET: required/);
    expect(readConfig({ SOURCE_BUCKET: 'b' })).to.deep.equal({
      bucket: 'b',
      minEvents: 500_000,
      maxEvents: 750_000,
      duplicateRate: 0,
      malformedRate: 0,
      timestampStyle: 'python',
      seed: undefined,
      gzipLevel: 6,
    });
  });

  it('rejects bad values with a message naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ MIN_EVENTS: 'abc' }, /MIN_EVENTS: expected a whole number/],
      [{ MIN_EVENTS: '-5' }, /MIN_EVENTS: expected a whole number/],
      [{ MAX_EVENTS: '2.5' }, /MAX_EVENTS: expected a whole number/],
      [{ MIN_EVENTS: '100', MAX_EVENTS: '10' }, /MAX_EVENTS: expected a whole number >= MIN_EVENTS/],
      [{ DUPLICATE_RATE: '1.5' }, /DUPLICATE_RATE: expected a number from 0 to 1/],
      [{ MALFORMED_RATE: 'lots' }, /MALFORMED_RATE: expected a number from 0 to 1/],
      [{ DUPLICATE_RATE: '0.7', MALFORMED_RATE: '0.7' }, /DUPLICATE_RATE \+ MALFORMED_RATE/],
      [{ TIMESTAMP_STYLE: 'unix' }, /TIMESTAMP_STYLE: expected one of python, z, mixed/],
      [{ SEED: 'x' }, /SEED: expected a whole number/],
      [{ GZIP_LEVEL: '0' }, /GZIP_LEVEL: expected a whole number from 1 to 9/],
    ];
    for (const [env, message] of cases) expect(() => readConfig({ SOURCE_BUCKET: 'b', ...env }), message.source).to.throw(message);
  });
});

describe('generator Lambda: handler', () => {
  withStubbedS3();
  beforeEach(() => s3Mock.reset());

  it('uploads one gzip file in the starter layout and returns {event_count, s3_key, bucket}', async () => {
    const s3 = fakeS3();
    const out = captureConsole();
    let result: GeneratorResult | undefined;
    try {
      await withEnv({ ...BASE_ENV, DUPLICATE_RATE: '0.02', MALFORMED_RATE: '0.04' }, async () => {
        result = await handler({});
      });
    } finally {
      out.restore();
    }
    expect(result).to.have.all.keys('event_count', 's3_key', 'bucket');
    const { event_count, s3_key, bucket } = result!;
    expect(bucket).to.equal(BASE_ENV.SOURCE_BUCKET);
    expect(event_count).to.equal(3000);
    const m = KEY_LAYOUT.exec(s3_key);
    expect(m, s3_key).to.not.equal(null);
    expect(m!.slice(1, 6)).to.deep.equal([m![6], m![7], m![8], m![9], m![10]]); // folder and file name agree

    const create = s3Mock.commandCalls(CreateMultipartUploadCommand);
    expect(create).to.have.length(1);
    expect(create[0].args[0].input).to.deep.include({ Bucket: bucket, Key: s3_key, ContentType: 'application/gzip' });
    const complete = s3Mock.commandCalls(CompleteMultipartUploadCommand);
    expect(complete).to.have.length(1);
    expect(complete[0].args[0].input.MultipartUpload?.Parts).to.deep.equal([{ PartNumber: 1, ETag: '"etag-1"' }]);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).to.have.length(0);

    const lines = gunzipSync(s3.body())
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines).to.have.length(event_count);
    // the time in the key is a little after the events' time (the starter names files after generating)
    const eventTime = Date.parse(JSON.parse(lines[0]).timestamp);
    const keyTime = Date.UTC(+m![1], +m![2] - 1, +m![3], +m![4], +m![5], +m![11]);
    expect(keyTime - eventTime).to.be.within(0, 2000);

    expect(out.lines).to.have.length(1);
    const log = JSON.parse(out.lines[0]);
    expect(log).to.deep.include({ event_count, s3_key, bucket, duplicates: 60, seed: 5 });
    expect(Object.values(log.malformed as Record<string, number>).reduce((a, b) => a + b, 0)).to.equal(120);
  });

  it('without SEED derives the seed from the invocation time (same time, same file)', async () => {
    const config = readConfig({ SOURCE_BUCKET: 'b', MIN_EVENTS: '500', MAX_EVENTS: '800' });
    const now = new Date('2025-11-19T17:54:54.718Z');
    const bodies: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      s3Mock.reset();
      const s3 = fakeS3();
      const result = await generateToS3(config, new S3Client({ region: 'us-west-2' }), now);
      expect(result.seed).to.equal(Math.floor(now.getTime() / 1000));
      expect(result.s3_key).to.match(/hour=17\/minute=54\/events-20251119-175455\.jsonl\.gz$/);
      bodies.push(s3.body());
    }
    expect(bodies[0].equals(bodies[1])).to.equal(true);
    s3Mock.reset();
    const s3 = fakeS3();
    await generateToS3(config, new S3Client({ region: 'us-west-2' }), new Date(now.getTime() + 300_000));
    expect(s3.body().equals(bodies[0])).to.equal(false);
  });

  it('surfaces an UploadPart failure and aborts the multipart upload', async () => {
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-9' });
    s3Mock.on(UploadPartCommand).rejects(new Error('SlowDown: please reduce your request rate'));
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
    const { error, out } = await runHandlerExpectingFailure(BASE_ENV);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/SlowDown/);
    const abort = s3Mock.commandCalls(AbortMultipartUploadCommand);
    expect(abort).to.have.length(1);
    expect(abort[0].args[0].input).to.deep.include({ Bucket: BASE_ENV.SOURCE_BUCKET, UploadId: 'upload-9' });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).to.have.length(0);
    expect(out.errors.map((l) => JSON.parse(l).error)).to.deep.equal(['SlowDown: please reduce your request rate']);
  });

  it('surfaces a CompleteMultipartUpload failure and aborts', async () => {
    fakeS3();
    s3Mock.on(CompleteMultipartUploadCommand).rejects(new Error('InternalError'));
    const { error } = await runHandlerExpectingFailure(BASE_ENV);
    expect((error as Error)?.message).to.match(/InternalError/);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).to.have.length(1);
  });

  it('surfaces a CreateMultipartUpload failure (nothing to abort)', async () => {
    s3Mock.on(CreateMultipartUploadCommand).rejects(new Error('AccessDenied'));
    const { error } = await runHandlerExpectingFailure(BASE_ENV);
    expect((error as Error)?.message).to.match(/AccessDenied/);
    expect(s3Mock.commandCalls(UploadPartCommand)).to.have.length(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).to.have.length(0);
  });

  it('fails before touching S3 when the environment is bad', async () => {
    const { error } = await runHandlerExpectingFailure({ ...BASE_ENV, SOURCE_BUCKET: undefined });
    expect((error as Error)?.message).to.match(/SOURCE_BUCKET: required/);
    expect(s3Mock.calls()).to.have.length(0);
  });
});

describe('S3 multipart writer', () => {
  withStubbedS3();
  beforeEach(() => s3Mock.reset());

  it('splits the stream into parts of at least 5 MiB (but the last) and completes them in order', async () => {
    const s3 = fakeS3();
    const data = randomBytes(12 * 1024 * 1024 + 123);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    const sink = new S3MultipartWritable({ client: new S3Client({ region: 'us-west-2' }), bucket: 'b', key: 'k', partSize: 5 * 1024 * 1024 });
    await pipeline(Readable.from(chunks), sink);
    const parts = s3Mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => p.PartNumber)).to.deep.equal([1, 2, 3]);
    parts.slice(0, -1).forEach((p) => expect((p.Body as Buffer).length).to.be.at.least(5 * 1024 * 1024));
    expect(s3.body().equals(data)).to.equal(true);
    expect(sink.bytesUploaded).to.equal(data.length);
    const done = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    expect(done.MultipartUpload?.Parts?.map((p) => p.PartNumber)).to.deep.equal([1, 2, 3]);
  });

  it('refuses parts below S3 minimum size', () => {
    expect(() => new S3MultipartWritable({ client: new S3Client({ region: 'us-west-2' }), bucket: 'b', key: 'k', partSize: 1024 })).to.throw(/partSize/);
  });

  it('aborts when the source stream fails mid-way', async () => {
    fakeS3();
    const sink = new S3MultipartWritable({ client: new S3Client({ region: 'us-west-2' }), bucket: 'b', key: 'k' });
    const failing = (function* () {
      yield Buffer.alloc(1024);
      throw new Error('generator broke');
    })();
    let error: unknown;
    try {
      await writeGzip(failing, sink);
    } catch (err) {
      error = err;
    }
    // writeGzip settles only after the abort went out
    expect((error as Error)?.message).to.equal('generator broke');
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).to.have.length(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).to.have.length(0);
  });
});
