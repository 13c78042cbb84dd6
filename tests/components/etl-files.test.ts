/**
 * The components against the REAL files other parts deliver: the Glue script and modules
 * (etl/glue), the SQL files the manifest names (etl/sql), the generator Lambda handler
 * (generator/lambda.ts, bundled with esbuild) and the deliverable queries (queries/).
 * While one of those is missing, the matching test fails naming it; nothing is faked here.
 */
import * as pulumi from '@pulumi/pulumi';
import { HeadBucketCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ATHENA_VALIDATION_TYPE } from '../../components/athena-validation';
import { ConfigError } from '../../components/config';
import { codeVersion, etlCodeObjects, EtlPipeline } from '../../components/etl-pipeline';
import { bundleStarter } from '../../components/etl-starter';
import { bundleGenerator, GENERATOR_ENTRY } from '../../components/event-source';
import { QueryLayer, QUERIES_FILE } from '../../components/query-layer';
import { loadQueries } from '../../queries';
import { ETL_DIR, sqlFiles } from '../../etl/manifest';
import { installMocks, MockRecorder, outputOf } from '../helpers/pulumi-mocks';

const GLUE_DIR = path.join(ETL_DIR, 'glue');
const realGlueFiles = () =>
  fs.existsSync(GLUE_DIR)
    ? fs
        .readdirSync(GLUE_DIR)
        .filter((f) => f.endsWith('.py'))
        .sort()
    : [];

describe('components with the real etl/ files', () => {
  let mocks: MockRecorder;
  let pipeline: EtlPipeline;
  before(async function () {
    const glue = realGlueFiles();
    if (!glue.includes('job.py')) {
      throw new Error(
        `etl/glue/job.py is missing (found: ${glue.join(', ') || 'no .py files'}): the Glue job (helper "glue") must exist before these tests can pass`,
      );
    }
    mocks = await installMocks({ stack: 'dev' });
    pipeline = new EtlPipeline('etl', {
      studentId: 'jdoe',
      accountId: '123456789012',
      region: 'us-west-2',
      partition: 'aws',
      sourceBucketName: 'capstone-events-jdoe-123456789012',
      analyticsBucketName: 'capstone-analytics-jdoe-123456789012',
      databases: { bronze: 'bronze_jdoe', silver: 'silver_jdoe', gold: 'gold_jdoe' },
      role: { kind: 'existing', arn: 'arn:aws:iam::123456789012:role/LabRole' },
    });
    await mocks.settle();
  });

  it('uploads every etl/glue/*.py and every SQL file of the manifest, byte for byte, under etl/<code version>/', async () => {
    const objects = mocks.ofType('aws:s3/bucketObjectv2:BucketObjectv2');
    const prefix = `etl/${codeVersion(etlCodeObjects())}/`;
    const expected = [
      ...realGlueFiles().map((f) => `${prefix}glue/${f}`),
      ...sqlFiles().map((s) => `${prefix}${s}`),
      `${prefix}manifest.json`,
      `${prefix}tables.json`,
    ].sort();
    expect(objects.map((o) => o.inputs.key).sort()).to.deep.equal(expected);
    for (const o of objects.filter((x) => x.inputs.key !== `${prefix}tables.json`)) {
      const local = path.join(ETL_DIR, String(o.inputs.key).slice(prefix.length));
      const uploaded = await o.inputs.source.path;
      expect(fs.readFileSync(uploaded)).to.deep.equal(fs.readFileSync(local));
    }
  });

  it('passes every module but job.py with --extra-py-files and the content hash as --code_version', () => {
    const args = mocks.one('aws:glue/job:Job').inputs.defaultArguments;
    const modules = realGlueFiles().filter((f) => f !== 'job.py');
    const version = codeVersion(etlCodeObjects());
    if (modules.length === 0) expect(args).not.to.have.property('--extra-py-files');
    else expect(args['--extra-py-files'].split(',')).to.deep.equal(modules.map((m) => `s3://capstone-analytics-jdoe-123456789012/etl/${version}/glue/${m}`));
    expect(args['--code_version']).to.equal(version);
    expect(args['--etl_path']).to.equal(`s3://capstone-analytics-jdoe-123456789012/etl/${version}/`);
    expect(pipeline.codeVersion).to.match(/^[0-9a-f]{16}$/);
  });
});

describe('components with the real generator handler', () => {
  it('bundles generator/lambda.ts into one CommonJS file that exports handler', function () {
    this.timeout(60000);
    if (!fs.existsSync(GENERATOR_ENTRY)) throw new Error(`${GENERATOR_ENTRY} is missing: the generator Lambda (helper "generator") must exist`);
    const archive = bundleGenerator();
    return (archive.assets as unknown as Promise<Record<string, pulumi.asset.StringAsset>>).then(async (assets) => {
      expect(Object.keys(assets)).to.deep.equal(['index.js']);
      const code = await (assets['index.js'].text as unknown as Promise<string>);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bundle-')), 'index.js');
      fs.writeFileSync(file, code);
      const mod = require(file) as { handler?: unknown };
      expect(typeof mod.handler).to.equal('function');
      // Deterministic: the same sources give the same bytes (so Pulumi updates only on change).
      const again = await ((
        await (bundleGenerator().assets as unknown as Promise<Record<string, pulumi.asset.StringAsset>>)
      )['index.js'].text as unknown as Promise<string>);
      expect(again).to.equal(code);
    });
  });

  it('names the entry point when it is missing', () => {
    expect(() => bundleGenerator('/nonexistent/lambda.ts')).to.throw("generator bundle: entry '/nonexistent/lambda.ts' not found");
  });
});

describe('components with the real ETL starter handler', () => {
  it('bundles components/etl-starter-handler.ts with its SDK clients into one CommonJS file that exports handler', async function () {
    this.timeout(60000);
    const assets = await (bundleStarter().assets as unknown as Promise<Record<string, pulumi.asset.StringAsset>>);
    expect(Object.keys(assets)).to.deep.equal(['index.js']);
    const code = await (assets['index.js'].text as unknown as Promise<string>);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-starter-')), 'index.js');
    fs.writeFileSync(file, code);
    const mod = require(file) as { handler?: unknown };
    expect(typeof mod.handler).to.equal('function');
    // The bundle carries the SDK it was tested with, not whatever the Lambda runtime ships.
    expect(code).to.include('StartJobRunCommand');
    expect(code).to.include('ListObjectsV2Command');
  });
});

describe('components with the real deliverable queries', () => {
  it('registers one named query per query of queries/queries.sql (loadQueries) and uploads that file', async () => {
    const queries = loadQueries();
    expect(queries.map((q) => q.id)).to.deep.equal([1, 2, 3, 4, 5]);
    const mocks = await installMocks();
    const layer = new QueryLayer('query', { studentId: 'jdoe', analyticsBucketName: 'capstone-analytics-jdoe-123456789012', goldDatabase: 'gold_jdoe' });
    await mocks.settle();
    const named = mocks.ofType('aws:athena/namedQuery:NamedQuery').map((r) => r.inputs);
    expect(named.map((n) => n.name)).to.deep.equal(queries.map((q) => `q${q.id}_${q.name}`));
    for (const [i, q] of queries.entries()) {
      expect(named[i].query).to.equal(q.sql);
      expect(named[i].database).to.equal('gold_jdoe');
    }
    const object = mocks.one('aws:s3/bucketObjectv2:BucketObjectv2');
    expect(await object.inputs.source.path).to.equal(QUERIES_FILE);
    expect(await outputOf(layer.queriesUri)).to.equal('s3://capstone-analytics-jdoe-123456789012/queries/queries.sql');
  });
});

describe('the Pulumi program (index.ts) under mocks', () => {
  /** Loading the module validates the config (synchronously); calling its export declares the stack. */
  const loadProgram = () => {
    delete require.cache[require.resolve('../../index')];
    return require('../../index') as () => Promise<Record<string, pulumi.Output<unknown> | undefined>>;
  };
  // The program asks S3 whether the buckets already exist (kept by an earlier destroy): here none do.
  const s3 = mockClient(S3Client);
  beforeEach(() => {
    s3.reset();
    s3.on(HeadBucketCommand).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' }));
  });
  after(() => s3.restore());

  it('fails on an invalid studentId before any resource is created, naming studentId', async () => {
    const mocks = await installMocks({ config: { 'aws:region': 'us-west-2', 'lakehouse:studentId': 'J_Doe' } });
    expect(loadProgram).to.throw(ConfigError, /^config studentId 'J_Doe': expected lowercase letters, digits and hyphens only/);
    await mocks.settle();
    expect(mocks.resources).to.deep.equal([]);
    const tooLong = 'x'.repeat(32);
    const mocks2 = await installMocks({ config: { 'aws:region': 'us-west-2', 'lakehouse:studentId': tooLong } });
    expect(loadProgram).to.throw(
      ConfigError,
      /^config studentId 'x{32}': expected at most 31 characters, because bucket 'capstone-analytics-x{32}-<12-digit account id>' would be 64 characters/,
    );
    await mocks2.settle();
    expect(mocks2.resources).to.deep.equal([]);
  });

  it('fails without aws:region, naming it', async () => {
    await installMocks({ config: { 'lakehouse:studentId': 'jdoe' } });
    expect(loadProgram).to.throw(ConfigError, /^config aws:region: expected an AWS region/);
  });

  it('deploys the whole stack from the real files and exports the outputs', async function () {
    this.timeout(60000);
    const mocks = await installMocks({ config: { 'aws:region': 'us-west-2', 'lakehouse:studentId': 'jdoe' } });
    const program = await loadProgram()();
    await mocks.settle();
    expect(await outputOf(program.glueJobName)).to.equal('lakehouse_etl_jdoe');
    expect(await outputOf(program.analyticsBucketName)).to.equal('capstone-analytics-jdoe-123456789012');
    expect(await outputOf(program.queriesSqlUri)).to.equal('s3://capstone-analytics-jdoe-123456789012/queries/queries.sql');
    expect(await outputOf(program.generatorFunctionName)).to.equal('lakehouse-generator-jdoe');
    expect(mocks.ofType('aws:athena/namedQuery:NamedQuery')).to.have.length(5);
    expect(mocks.resources.filter((r) => r.type.startsWith('aws:iam/'))).to.deep.equal([]);
    // The validation runs after the lakehouse, ETL and query layer, failing the update on a failed check.
    const validation = mocks.one(ATHENA_VALIDATION_TYPE);
    expect(await validation.inputs.failOnError).to.equal(true);
    expect(await validation.inputs.workgroup).to.equal('lakehouse_jdoe');
    // It waits for the stack's Glue job, so it reads committed data only.
    expect(await validation.inputs.glueJobName).to.equal('lakehouse_etl_jdoe');
    expect(await validation.inputs.jobWaitSeconds).to.equal(3600);
    // Its data checks read the stack's configured window of days (validationWindowDays).
    expect(await validation.inputs.windowDays).to.equal(1);
    expect(await outputOf(program.onDestroy)).to.match(
      /^pulumi destroy keeps bucket\(s\) capstone-events-jdoe-123456789012, capstone-analytics-jdoe-123456789012/,
    );
    expect(await outputOf(program.dashboardUrl)).to.match(/#dashboards\/dashboard\/lakehouse-jdoe$/);
  });

  it('validation=warn reports failures without failing the update; validation=off registers no validation', async function () {
    this.timeout(60000);
    const warn = await installMocks({ config: { 'aws:region': 'us-west-2', 'lakehouse:studentId': 'jdoe', 'lakehouse:validation': 'warn' } });
    await loadProgram()();
    await warn.settle();
    expect(await warn.one(ATHENA_VALIDATION_TYPE).inputs.failOnError).to.equal(false);
    const off = await installMocks({ config: { 'aws:region': 'us-west-2', 'lakehouse:studentId': 'jdoe', 'lakehouse:validation': 'off' } });
    const program = await loadProgram()();
    await off.settle();
    expect(off.ofType(ATHENA_VALIDATION_TYPE)).to.deep.equal([]);
    expect(await outputOf(program.validationSummary)).to.equal(undefined);
  });
});
