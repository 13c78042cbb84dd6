/**
 * The Glue entry script itself (etl/glue/job.py, unchanged) under Spark, reading and writing
 * through the S3 API of a local server (moto on loopback, tests/etl/glue/s3_endpoint.py), with the
 * test-only awsglue stand-in (tests/etl/glue/awsglue: GlueContext, Job bookmarks in a local file,
 * getResolvedOptions). Scheduled runs in a row, as Glue would start them:
 *   (a) two new files -> both read, bookmark committed
 *   (b) no new file -> empty batch, no lake object rewritten
 *   (c) three new files (one in an hour that holds rows, one in a new hour, a corrupt gzip),
 *       the run killed inside its first write of a table file, then rerun -> the bookmarked read
 *       fails on the corrupt gzip, so the rerun takes the files the ledger lacks; it rolls the
 *       dead run's journal back first, quarantines the corrupt file as one entry, and nothing
 *       is lost or counted twice
 * and at the end every table equals, row by row with its Parquet types, the lake the DuckDB
 * engine builds from the same files in the same batches (ingested_at aside: batch times differ).
 */
import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { codePrefix, codeVersion, etlCodeObjects } from '../../../components/etl-pipeline';
import { runEngine } from '../../../etl/engines';
import { LAKE_TABLES } from '../../../etl/schema';
import { generateFiles } from '../../../generator';
import { eventLine, keyAt, tempDir, writeSource } from '../../helpers/source-files';
import { lakeContents, lakeDifferences } from '../../helpers/lake-contents';
import { S3Endpoint, TEST_CREDENTIALS, TEST_REGION } from '../../helpers/s3-endpoint';
import { sparkPythonOrSkip } from '../../helpers/spark';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const JOB_SCRIPT = path.join(ROOT, 'etl', 'glue', 'job.py');
const STANDIN = __dirname;
const SPARK_JARS = ['hadoop-aws-3.3.4.jar', 'aws-java-sdk-bundle-1.12.262.jar'];
const STARTER = path.join(__dirname, '..', '..', 'fixtures', 'starter-sample-100.jsonl.gz');
const SOURCE_BUCKET = 'glue-entry-source';
const ANALYTICS_BUCKET = 'glue-entry-analytics';
const JOB_NAME = 'lakehouse-etl-test';
const BOOKMARK_CTX = 'source';
const RUN_TIMEOUT_MS = 20 * 60 * 1000;
/** Batch start times: the two lakes read the same files at different times. */
const OMITTED_COLUMNS = ['ingested_at'];

interface JobRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The JSON lines the job printed (its log), parsed. */
  readonly log: Record<string, unknown>[];
  readonly stderrTail: string;
}

/** Files of one scheduled run: key -> content, written to the local source folder and the source bucket. */
type Batch = Array<{ key: string; body: Buffer }>;

/** The Spark configuration Glue's platform gives the job, here through spark-submit's arguments. */
function sparkSubmitArgs(venvPython: string, endpoint: string, pyFiles: string[]): string {
  const jars = SPARK_JARS.map((j) => path.join(path.dirname(path.dirname(venvPython)), 'spark-jars', j));
  const conf: Record<string, string> = {
    'spark.ui.enabled': 'false',
    'spark.ui.showConsoleProgress': 'false',
    'spark.sql.shuffle.partitions': '2',
    'spark.driver.extraJavaOptions': `-Dlog4j2.configurationFile=file://${path.join(ROOT, 'etl', 'spark', 'log4j2.properties')}`,
    // s3:// (the scheme the job's arguments use, as on Glue) and s3a:// both go to S3A.
    'spark.hadoop.fs.s3.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
    'spark.hadoop.fs.s3a.endpoint': endpoint,
    'spark.hadoop.fs.s3a.path.style.access': 'true',
    'spark.hadoop.fs.s3a.connection.ssl.enabled': 'false',
    'spark.hadoop.fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    'spark.hadoop.fs.s3a.access.key': TEST_CREDENTIALS.accessKeyId,
    'spark.hadoop.fs.s3a.secret.key': TEST_CREDENTIALS.secretAccessKey,
    'spark.hadoop.fs.s3a.endpoint.region': TEST_REGION,
  };
  const confArgs = Object.entries(conf).map(([k, v]) => `--conf ${k}=${v}`);
  // --py-files plays Glue's --extra-py-files: the engine's modules reach the Python workers.
  return ['--master local[2]', `--jars ${jars.join(',')}`, `--py-files ${pyFiles.join(',')}`, ...confArgs, 'pyspark-shell'].join(' ');
}

describe('Glue entry script (etl/glue/job.py) under Spark against a local S3 API', function () {
  this.timeout(6 * RUN_TIMEOUT_MS);
  let server: S3Endpoint | undefined;
  let python: string;
  let work: string;
  let source: string;
  let duckLake: string;
  let etlPath: string;
  let env: NodeJS.ProcessEnv;
  const bookmarkFile = () => path.join(work, 'bookmark.json');
  const runs: Record<string, JobRun> = {};
  const bookmarks: Record<string, unknown> = {};
  const batches: Record<string, Batch> = {};
  let lakeBeforeEmptyRun = new Map<string, string>();
  let lakeAfterEmptyRun = new Map<string, string>();
  let heldWrite: string | null = null;
  let sparkLake: string;
  const timings: string[] = [];

  const jobArgs = () => [
    JOB_SCRIPT,
    '--JOB_NAME',
    JOB_NAME,
    '--source_path',
    `s3://${SOURCE_BUCKET}/events/`,
    '--lake_path',
    `s3://${ANALYTICS_BUCKET}/`,
    '--etl_path',
    `s3://${ANALYTICS_BUCKET}/${etlPath}`,
    '--bronze_database',
    'bronze_test',
    '--silver_database',
    'silver_test',
    '--gold_database',
    'gold_test',
    '--metrics_namespace',
    'Lakehouse/ETL',
    '--job-bookmark-option',
    'job-bookmark-enable',
    '--TempDir',
    `s3://${ANALYTICS_BUCKET}/glue-temp/`,
  ];

  /** Starts job.py in its own process group (so a kill takes Spark's JVM and workers with it). */
  const startJob = (): { child: ChildProcess; done: Promise<JobRun> } => {
    const child = spawn(python, jobArgs(), { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-30000)));
    const timer = setTimeout(() => killGroup(child), RUN_TIMEOUT_MS);
    const done = new Promise<JobRun>((resolve) =>
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const log = out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ code, signal, log, stderrTail: err.slice(-3000) });
      }),
    );
    return { child, done };
  };

  const timed = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings.push(`${label} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  /** Lands the batch's files in the source bucket and the local source folder, runs the DuckDB engine on the folder. */
  const land = async (name: string, batch: Batch, now: Date) => {
    batches[name] = batch;
    for (const f of batch) {
      writeSource(source, f.key, f.body);
      await server!.put(SOURCE_BUCKET, f.key, f.body);
    }
    await runEngine('duckdb', { source, lake: duckLake, now });
  };

  const scheduledRun = async (name: string) => {
    runs[name] = await timed(`run ${name}`, () => startJob().done);
    bookmarks[name] = readBookmark();
  };

  const readBookmark = (): unknown => (fs.existsSync(bookmarkFile()) ? JSON.parse(fs.readFileSync(bookmarkFile(), 'utf8')) : null);

  before(async function () {
    python = sparkPythonOrSkip(this);
    work = tempDir('glue-entry');
    source = path.join(work, 'source');
    duckLake = path.join(work, 'duckdb-lake');
    sparkLake = path.join(work, 'spark-lake');
    server = await S3Endpoint.start(python);
    await server.createBucket(SOURCE_BUCKET);
    await server.createBucket(ANALYTICS_BUCKET);

    // The job's code exactly as EtlPipeline uploads it: etl/<code version>/...
    const objects = etlCodeObjects();
    const prefix = codePrefix(codeVersion(objects));
    etlPath = prefix;
    for (const o of objects)
      await server.put(ANALYTICS_BUCKET, `${prefix}${o.key.slice('etl/'.length)}`, o.file !== undefined ? fs.readFileSync(o.file) : (o.content ?? ''));
    const pyFiles = objects.filter((o) => o.key.startsWith('etl/glue/') && o.key !== 'etl/glue/job.py').map((o) => o.file!);

    env = {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: '1',
      // The awsglue stand-in; on Glue the platform provides the real library.
      PYTHONPATH: STANDIN,
      PYSPARK_PYTHON: python,
      PYSPARK_SUBMIT_ARGS: sparkSubmitArgs(python, server.url, pyFiles),
      AWSGLUE_STANDIN_BOOKMARK_FILE: bookmarkFile(),
      // boto3 in job.py (S3Store, CloudWatch) reaches the local endpoint.
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: TEST_REGION,
      AWS_REGION: TEST_REGION,
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
    };
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;

    // (a) two new files: the starter sample and a generated file with injected faults.
    const generated = await generateFiles({
      outDir: path.join(work, 'generated'),
      files: 1,
      minEvents: 120,
      maxEvents: 150,
      start: new Date('2025-11-19T17:40:00Z'),
      intervalMinutes: 5,
      seed: 23,
      duplicateRate: 0.05,
      malformedRate: 0.1,
    });
    await land(
      'a',
      [
        { key: 'events/year=2025/month=11/day=19/hour=17/minute=54/events-20251119-175454.jsonl.gz', body: fs.readFileSync(STARTER) },
        ...generated.files.map((f) => ({ key: f.key, body: fs.readFileSync(f.path) })),
      ],
      new Date('2025-11-19T18:00:05Z'),
    );
    await scheduledRun('a');

    // (b) nothing new
    lakeBeforeEmptyRun = await lakeObjects();
    await scheduledRun('b');
    lakeAfterEmptyRun = await lakeObjects();

    // (c) a file in hours that already hold rows (bronze hour=17, silver 2025-11-19 17), a file in
    // a new hour and a corrupt gzip, and a run killed inside its first write of a table file (not
    // Spark's _temporary/ staging).
    await land(
      'c',
      [
        {
          key: keyAt('2025-11-19T17:58:00Z'),
          body: gzipLines([
            eventLine({ user_id: 'u_d1', timestamp: '2025-11-19T17:57:01Z' }),
            eventLine({ user_id: 'u_d2', timestamp: '2025-11-19T17:57:02Z' }),
          ]),
        },
        { key: keyAt('2025-11-19T18:01:00Z'), body: Buffer.from('this is not gzip') },
        {
          key: keyAt('2025-11-19T18:02:00Z'),
          body: gzipLines([
            eventLine({ user_id: 'u_d3', timestamp: '2025-11-19T18:01:30.5Z' }),
            eventLine({ user_id: 'u_d4', event_type: 'search', product_id: null, quantity: null, price: null, category: null, search_query: 'lamp' }),
          ]),
        },
      ],
      new Date('2025-11-19T18:10:05Z'),
    );
    bookmarks['c-before'] = readBookmark();
    await server.hold(tableFilePattern());
    const killed = startJob();
    heldWrite = await timed('run c until its first table file write', () => waitForHold(killed.child));
    killGroup(killed.child);
    runs['c-killed'] = await killed.done;
    await server.release();
    bookmarks['c-killed'] = readBookmark();
    await scheduledRun('c-rerun');

    await server.download(ANALYTICS_BUCKET, '', sparkLake);
    console.log(`      timings: ${timings.join(', ')}`);
  });

  after(async () => {
    await server?.stop();
  });

  /** Polls the hold point until the job's first table-file write is held; fails if the job ends first. */
  const waitForHold = async (child: ChildProcess): Promise<string | null> => {
    for (;;) {
      const status = await server!.holdStatus();
      if (status.held) return status.held;
      if (child.exitCode !== null || child.signalCode !== null) return null;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  /** Lake objects (tables and their state), not the code or the temp prefix. */
  const lakeObjects = async () => {
    const all = await server!.list(ANALYTICS_BUCKET);
    return new Map([...all].filter(([k]) => !k.startsWith('etl/') && !k.startsWith('glue-temp/')));
  };

  const runLog = (name: string) => runs[name].log.find((l) => l.event === 'lakehouse_etl_run');
  const expectSucceeded = (name: string) => expect(runs[name].code, `run ${name} exit status; stderr: ${runs[name].stderrTail}`).to.equal(0);
  const committed = (name: string) => {
    const doc = bookmarks[name] as { jobs: Record<string, { run: number; contexts: Record<string, { objects: Record<string, number> }> }> } | null;
    const job = doc?.jobs[JOB_NAME];
    return { run: job?.run ?? 0, objects: Object.keys(job?.contexts[BOOKMARK_CTX]?.objects ?? {}).sort() };
  };
  const uris = (...names: string[]) => names.flatMap((n) => batches[n].map((f) => `s3://${SOURCE_BUCKET}/${f.key}`)).sort();

  it('(a) two new files: both read through the bookmark, and committed', () => {
    expectSucceeded('a');
    expect(runLog('a'), 'run log line').to.include({ mode: 'bookmark', files_read: 2, corrupt_files: 0 });
    expect(Number(runLog('a')!.lines_read)).to.be.greaterThan(200);
    expect(runs.a.log.filter((l) => l.event === 'metrics_not_sent')).to.deep.equal([]);
    expect(committed('a')).to.deep.equal({ run: 1, objects: uris('a') });
  });

  it('(b) no new file: an empty batch that rewrites nothing', () => {
    expectSucceeded('b');
    expect(runLog('b'), 'run log line').to.include({ files_read: 0, empty_batch: true });
    expect(lakeBeforeEmptyRun.size).to.be.greaterThan(9);
    expect([...lakeAfterEmptyRun]).to.deep.equal([...lakeBeforeEmptyRun]);
    expect(committed('b')).to.deep.equal({ run: 2, objects: uris('a') });
  });

  it('(c) the killed run died inside a table file write and saved no bookmark; the rerun reads its files once', () => {
    expect(heldWrite, `the run was held at its first table-file write (run ended first: ${runs['c-killed'].stderrTail})`).to.match(
      new RegExp(tableFilePattern()),
    );
    expect(runs['c-killed'].signal).to.equal('SIGKILL');
    expect(runLog('c-killed'), 'the killed run logged no finished run').to.equal(undefined);
    expect(bookmarks['c-killed'], 'the killed run saved no bookmark state').to.deep.equal(bookmarks['c-before']);
    expectSucceeded('c-rerun');
    expect(runs['c-rerun'].log.filter((l) => l.event === 'bookmark_read_failed')).to.have.length(1);
    // run (a)'s two files are in the ledger, so only this batch's three are read
    expect(runLog('c-rerun'), 'run log line').to.include({ mode: 'ledger_fallback', files_read: 3, corrupt_files: 1 });
    expect(committed('c-rerun')).to.deep.equal({ run: 3, objects: uris('a', 'c') });
  });

  it('(c) the corrupt gzip became one quarantine entry', async () => {
    const contents = await lakeContents(sparkLake);
    const corruptKey = batches.c[1].key;
    const entries = contents['quarantine.events'].rows.filter((r) => r.includes(JSON.stringify(corruptKey)));
    expect(entries, 'quarantine rows of the corrupt file').to.have.length(1);
    expect(entries[0]).to.include('corrupt_file').and.include('"cannot decompress: ');
  });

  it('(c) the rerun first rolled back the write the killed run had begun, and no journal is left', async () => {
    const repaired = runs['c-rerun'].log.filter((l) => l.event === 'interrupted_write_repaired').map((l) => [l.table, l.action]);
    // the first write of the manifest (bronze.events) was the one held, and the only one begun
    expect(repaired).to.deep.equal([['bronze.events', 'rolled_back']]);
    const left = [...(await lakeObjects()).keys()].filter((k) => k.startsWith('_state/journal/'));
    expect(left, 'journal objects left in the lake').to.deep.equal([]);
  });

  it('after every run (the killed one included): every table equals the DuckDB lake of the same batches, nothing lost or counted twice', async () => {
    const omitColumns = OMITTED_COLUMNS;
    const [spark, duck] = await Promise.all([lakeContents(sparkLake, { omitColumns }), lakeContents(duckLake, { omitColumns })]);
    expect(duck['silver.events'].rows.length, 'silver rows').to.be.greaterThan(200);
    for (const t of LAKE_TABLES) expect(spark[t.id].rows.length, `${t.id} rows on Spark`).to.be.greaterThan(0);
    expect(lakeDifferences(duck, spark, ['duckdb', 'glue job'], 10)).to.deep.equal([]);
  });
});

/** Keys of table files in their final place (bucket/table location/key=value/.../file), not Spark's _temporary/ staging. */
function tableFilePattern(): string {
  const locations = LAKE_TABLES.map((t) => t.location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return `^${ANALYTICS_BUCKET}/(${locations})/[a-z_]+=[^/]+/(?:[^/]+/)*[^/]+\\.parquet$`;
}

function gzipLines(lines: string[]): Buffer {
  return zlib.gzipSync(lines.map((l) => `${l}\n`).join(''));
}

/** SIGKILL to the job's whole process group: the Python driver, Spark's JVM and its Python workers. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
