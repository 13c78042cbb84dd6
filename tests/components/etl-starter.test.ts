/**
 * The ETL starter Lambda against aws-sdk-client-mock: it starts the Glue job only when a source
 * object arrived after the last successful run and no run is in flight, so an idle stack bills
 * no DPU, and a concurrent start never becomes a failed run.
 */
import { ConcurrentRunsExceededException, GetJobRunsCommand, GlueClient, JobRun, StartJobRunCommand } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client, _Object } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { hourFolder, settingsFromEnv, startIfNewFiles, StarterSettings } from '../../components/etl-starter-handler';

const SETTINGS: StarterSettings = {
  jobName: 'lakehouse_etl_s1',
  sourceBucket: 'capstone-events-s1-123456789012',
  sourcePrefix: 'events/',
  lookbackHours: 2,
  maxPages: 3,
};
const at = (iso: string) => new Date(iso);
const key = (iso: string) => `${hourFolder('events/', at(iso))}minute=${iso.slice(14, 16)}/events-${iso.replace(/\D/g, '').slice(0, 14)}.jsonl.gz`;
const object = (iso: string): _Object => ({ Key: key(iso), LastModified: at(iso) });

describe('ETL starter (aws-sdk-client-mock)', () => {
  const glue = mockClient(GlueClient);
  const s3 = mockClient(S3Client);
  const clients = { glue: new GlueClient({ region: 'us-west-2' }), s3: new S3Client({ region: 'us-west-2' }) };
  after(() => {
    glue.restore();
    s3.restore();
  });

  /** Glue knows these runs; S3 lists these objects in key order from StartAfter on, `pageSize` per page. */
  function world(runs: JobRun[], objects: _Object[], pageSize = 1000) {
    glue.reset();
    s3.reset();
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs });
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_new' });
    const sorted = [...objects].sort((a, b) => String(a.Key).localeCompare(String(b.Key)));
    s3.on(ListObjectsV2Command).callsFake((input: { StartAfter?: string; ContinuationToken?: string; MaxKeys?: number }) => {
      const from =
        input.ContinuationToken !== undefined
          ? Number(input.ContinuationToken)
          : sorted.findIndex((o) => input.StartAfter === undefined || String(o.Key) > input.StartAfter);
      const start = from < 0 ? sorted.length : from;
      const size = Math.min(pageSize, input.MaxKeys ?? 1000);
      const page = sorted.slice(start, start + size);
      const more = start + size < sorted.length;
      return { Contents: page, IsTruncated: more, ...(more ? { NextContinuationToken: String(start + size) } : {}) };
    });
  }

  const succeeded: JobRun = { Id: 'jr_ok', JobRunState: 'SUCCEEDED', StartedOn: at('2026-11-27T10:00:30Z') };

  it('starts no run (no DPU billed) when nothing arrived since the last successful run started', async () => {
    world([succeeded], [object('2026-11-27T09:55:00Z'), object('2026-11-27T09:50:00Z')]);
    const decision = await startIfNewFiles(clients, SETTINGS);
    expect(decision.started).to.equal(false);
    expect(decision.reason).to.match(/^no new object under s3:\/\/capstone-events-s1-123456789012\/events\/ since 2026-11-27T10:00:30.000Z/);
    expect(glue.commandCalls(StartJobRunCommand)).to.have.length(0);
    // The listing starts at the folder of (reference - lookback), not at the beginning of the bucket.
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).to.deep.include({
      Bucket: SETTINGS.sourceBucket,
      Prefix: 'events/',
      StartAfter: 'events/year=2026/month=11/day=27/hour=08/',
    });
  });

  it('starts the job when an object landed after the last successful run started, naming it', async () => {
    world(
      [{ Id: 'jr_failed', JobRunState: 'FAILED', StartedOn: at('2026-11-27T10:15:00Z') }, succeeded],
      [object('2026-11-27T09:55:00Z'), object('2026-11-27T10:05:00Z')],
    );
    const decision = await startIfNewFiles(clients, SETTINGS);
    expect(decision).to.deep.include({ started: true, jobRunId: 'jr_new' });
    expect(decision.reason).to.include(key('2026-11-27T10:05:00Z'));
    expect(glue.commandCalls(StartJobRunCommand).map((c) => c.args[0].input)).to.deep.equal([{ JobName: 'lakehouse_etl_s1' }]);
  });

  it('does not start while a run is in flight (queued WAITING included)', async () => {
    for (const state of ['STARTING', 'RUNNING', 'STOPPING', 'WAITING'] as const) {
      world([{ Id: 'jr_busy', JobRunState: state, StartedOn: at('2026-11-27T10:20:00Z') }, succeeded], [object('2026-11-27T10:25:00Z')]);
      const decision = await startIfNewFiles(clients, SETTINGS);
      expect(decision, state).to.deep.include({ started: false });
      expect(decision.reason).to.equal(`run jr_busy is ${state}; the next tick looks again`);
      expect(glue.commandCalls(StartJobRunCommand)).to.have.length(0);
    }
  });

  it('with no successful run yet, any object is reason to run; an empty source is not', async () => {
    world([], [object('2026-11-27T09:55:00Z')]);
    expect((await startIfNewFiles(clients, SETTINGS)).started).to.equal(true);
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).to.deep.include({ MaxKeys: 1 });
    world([], []);
    expect((await startIfNewFiles(clients, SETTINGS)).started).to.equal(false);
  });

  it('follows continuation pages to find a new object, and starts (the safe side) when the page bound is reached', async () => {
    const old = Array.from({ length: 5 }, (_, i) => object(`2026-11-27T09:${String(10 + i * 5).padStart(2, '0')}:00Z`));
    world([succeeded], [...old, object('2026-11-27T10:40:00Z')], 2);
    const found = await startIfNewFiles(clients, SETTINGS);
    expect(found.started).to.equal(true);
    expect(found.reason).to.include(key('2026-11-27T10:40:00Z'));
    expect(s3.commandCalls(ListObjectsV2Command)).to.have.length(3);

    world([succeeded], [...old, object('2026-11-27T09:59:00Z'), object('2026-11-27T09:59:30Z')], 2);
    const bounded = await startIfNewFiles(clients, { ...SETTINGS, maxPages: 2 });
    expect(bounded.started).to.equal(true);
    expect(bounded.reason).to.include('listing stopped after 2 pages');
  });

  it('a start refused for concurrency (a run started meanwhile) is a skip, not an error', async () => {
    world([], [object('2026-11-27T09:55:00Z')]);
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ $metadata: {}, message: 'Concurrent runs exceeded for lakehouse_etl_s1' }));
    const decision = await startIfNewFiles(clients, SETTINGS);
    expect(decision.started).to.equal(false);
    expect(decision.reason).to.match(/^a run started meanwhile \(Concurrent runs exceeded/);
  });

  it('reads its settings from the environment and names a missing variable', () => {
    expect(settingsFromEnv({ JOB_NAME: 'j', SOURCE_BUCKET: 'b' })).to.deep.equal({
      jobName: 'j',
      sourceBucket: 'b',
      sourcePrefix: 'events/',
      lookbackHours: 2,
      maxPages: 5,
    });
    expect(() => settingsFromEnv({ SOURCE_BUCKET: 'b' })).to.throw('etl starter: environment variable JOB_NAME is not set');
  });
});
