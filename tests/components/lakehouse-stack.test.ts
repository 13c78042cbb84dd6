/**
 * The whole stack under pulumi.runtime.setMocks, with stand-in code from a temporary folder
 * (tests/helpers/lakehouse-fixtures.ts): every property the stack promises, asserted on the
 * inputs of the mocked resources, in the default (labRole) mode and the variants.
 */
import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { HeadBucketCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readAwsCredentialSettings } from '../../components/aws-credentials';
import { ConfigError, loadStackConfig } from '../../components/config';
import type { BucketProbe } from '../../components/kept-buckets';
import { codeVersion, etlCodeObjects } from '../../components/etl-pipeline';
import { deployLakehouse, Lakehouse, stackOutputs } from '../../components/lakehouse-stack';
import { catalogPartitionKeys } from '../../etl/catalog';
import { tablesDocument, TABLES } from '../../etl/schema';
import { makeFixture } from '../helpers/lakehouse-fixtures';
import { installMocks, MOCK_ACCOUNT_ID, MockOptions, MockRecorder, outputOf, RecordedResource } from '../helpers/pulumi-mocks';

const SOURCE = `capstone-events-jdoe-01-${MOCK_ACCOUNT_ID}`;
const ANALYTICS = `capstone-analytics-jdoe-01-${MOCK_ACCOUNT_ID}`;
const fixture = makeFixture();

interface Built {
  mocks: MockRecorder;
  lakehouse: Lakehouse;
  outputs: ReturnType<typeof stackOutputs>;
}

/** Buckets that exist in the mocked account before the update (kept by an earlier destroy). */
const noBuckets: ReadonlySet<string> = new Set();

async function build(
  config: Record<string, string> = {},
  etlDir = fixture.etlDir,
  existingBuckets = noBuckets,
  extra: { awsConfig?: Record<string, string>; calls?: MockOptions['calls']; bucketProbe?: BucketProbe | 'default' } = {},
): Promise<Built> {
  const mocks = await installMocks({ config: { 'lakehouse:studentId': 'jdoe-01', ...prefixed(config), ...(extra.awsConfig ?? {}) }, calls: extra.calls });
  const cfg = loadStackConfig(new pulumi.Config(), pulumi.getStack());
  const lakehouse = await deployLakehouse(cfg, {
    region: 'us-west-2',
    projectName: 'lakehouse',
    stackName: 'dev',
    generatorCode: fixture.generatorCode,
    starterCode: fixture.generatorCode,
    etlDir,
    queries: fixture.queries,
    queriesFile: fixture.queriesFile,
    credentials: readAwsCredentialSettings(new pulumi.Config('aws')),
    bucketProbe: extra.bucketProbe === 'default' ? undefined : (extra.bucketProbe ?? (async (bucket) => (existingBuckets.has(bucket) ? 'owned' : 'absent'))),
  });
  const outputs = stackOutputs(lakehouse, 'us-west-2');
  await mocks.settle();
  return { mocks, lakehouse, outputs };
}

const prefixed = (c: Record<string, string>) => Object.fromEntries(Object.entries(c).map(([k, v]) => [`lakehouse:${k}`, v]));
const named = (m: MockRecorder, type: string, name: string) => m.one(type, name);
const policyOf = (r: RecordedResource) => JSON.parse(r.inputs.policy as string);

describe('components: the stack under mocks (default: labRole, created source bucket)', () => {
  let b: Built;
  before(async () => {
    b = await build();
  });

  it('creates no aws:iam resource in labRole mode and uses the looked-up LabRole for Lambda and Glue', () => {
    expect(b.mocks.resources.filter((r) => r.type.startsWith('aws:iam/'))).to.deep.equal([]);
    const lookups = b.mocks.calls.filter((c) => c.token === 'aws:iam/getRole:getRole');
    expect(lookups.map((c) => c.inputs.name)).to.deep.equal(['LabRole']);
    const labRoleArn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/LabRole`;
    for (const fn of b.mocks.ofType('aws:lambda/function:Function')) expect(fn.inputs.role, fn.name).to.equal(labRoleArn);
    expect(b.mocks.one('aws:glue/job:Job').inputs.roleArn).to.equal(labRoleArn);
  });

  it('gives every child resource its component as parent', () => {
    const components = b.mocks.resources.filter((r) => !r.custom);
    expect(components.map((c) => c.type).sort()).to.deep.equal([
      'lakehouse:index:EtlPipeline',
      'lakehouse:index:EtlStarter',
      'lakehouse:index:EventSource',
      'lakehouse:index:MedallionLakehouse',
      'lakehouse:index:QueryLayer',
      'lakehouse:index:SecureBucket',
      'lakehouse:index:SecureBucket',
    ]);
    for (const r of b.mocks.awsResources()) {
      const parent = b.mocks.parentOf(r);
      expect(parent, `${r.type} ${r.name} has a component parent`).not.to.equal(undefined);
      expect(parent!.custom, `${r.name}'s parent is a component`).to.equal(false);
    }
    const parentType = (type: string, name?: string) => b.mocks.parentOf(b.mocks.one(type, name))!.type;
    expect(parentType('aws:lambda/function:Function', 'source-generator')).to.equal('lakehouse:index:EventSource');
    expect(parentType('aws:lambda/function:Function', 'etl-starter')).to.equal('lakehouse:index:EtlStarter');
    expect(parentType('lakehouse:index:EtlStarter')).to.equal('lakehouse:index:EtlPipeline');
    expect(parentType('aws:glue/job:Job')).to.equal('lakehouse:index:EtlPipeline');
    expect(parentType('aws:athena/workgroup:Workgroup')).to.equal('lakehouse:index:QueryLayer');
    expect(parentType('aws:glue/catalogTable:CatalogTable', 'lakehouse-silver-events')).to.equal('lakehouse:index:MedallionLakehouse');
    expect(b.mocks.parentOf(b.mocks.one('lakehouse:index:SecureBucket', 'source-bucket'))!.type).to.equal('lakehouse:index:EventSource');
    expect(b.mocks.parentOf(b.mocks.one('lakehouse:index:SecureBucket', 'lakehouse-analytics'))!.type).to.equal('lakehouse:index:MedallionLakehouse');
    for (const bucket of b.mocks.ofType('aws:s3/bucket:Bucket')) expect(b.mocks.parentOf(bucket)!.type).to.equal('lakehouse:index:SecureBucket');
  });

  it('tags through one explicit provider: default tags project/stack/student-id/managed-by, none per resource', () => {
    const provider = b.mocks.one('pulumi:providers:aws', 'aws');
    // Provider inputs reach the engine JSON-encoded.
    expect(JSON.parse(provider.inputs.defaultTags)).to.deep.equal({
      tags: { project: 'lakehouse', stack: 'dev', 'student-id': 'jdoe-01', 'managed-by': 'pulumi' },
    });
    expect(provider.inputs.region).to.equal('us-west-2');
    for (const r of b.mocks.awsResources()) {
      expect(r.provider, `${r.name} uses the explicit provider`).to.match(/^urn:pulumi:dev::lakehouse::pulumi:providers:aws::aws::/);
      expect(r.inputs.tags, `${r.name} sets no tags of its own`).to.equal(undefined);
    }
    for (const c of b.mocks.calls) expect(c.provider, c.token).to.match(/pulumi:providers:aws::aws::/);
  });

  it('names both buckets capstone-<kind>-<studentId>-<accountId> and protects them', () => {
    expect(
      b.mocks
        .ofType('aws:s3/bucket:Bucket')
        .map((r) => r.inputs.bucket)
        .sort(),
    ).to.deep.equal([ANALYTICS, SOURCE]);
    for (const bucket of [SOURCE, ANALYTICS]) {
      const forBucket = (type: string) => b.mocks.ofType(type).filter((r) => r.inputs.bucket === `${bucket}`);
      expect(forBucket('aws:s3/bucketVersioning:BucketVersioning')[0].inputs.versioningConfiguration).to.deep.equal({ status: 'Enabled' });
      expect(forBucket('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration')[0].inputs.rules).to.deep.equal([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true },
      ]);
      const pab = forBucket('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')[0].inputs;
      expect([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets]).to.deep.equal([true, true, true, true]);
      const policy = policyOf(forBucket('aws:s3/bucketPolicy:BucketPolicy')[0]);
      expect(policy.Statement).to.deep.equal([
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]);
    }
  });

  it('source lifecycle: raw files expire after 30 days, noncurrent versions expire, incomplete uploads abort', () => {
    const rules = b.mocks.ofType('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').find((r) => r.inputs.bucket === SOURCE)!.inputs.rules;
    expect(rules).to.deep.equal([
      { id: 'expire-raw-events', status: 'Enabled', filter: { prefix: 'events/' }, expiration: { days: 30 } },
      {
        id: 'expire-noncurrent-versions-and-incomplete-uploads',
        status: 'Enabled',
        filter: { prefix: '' },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
  });

  it('analytics lifecycle expires only athena-results/, glue-temp/ and noncurrent versions, never table data', () => {
    const rules = b.mocks.ofType('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').find((r) => r.inputs.bucket === ANALYTICS)!.inputs
      .rules as Array<{ filter: { prefix: string }; expiration?: unknown; noncurrentVersionExpiration?: unknown }>;
    const expiring = rules.filter((r) => r.expiration !== undefined).map((r) => r.filter.prefix);
    expect(expiring.sort()).to.deep.equal(['athena-results/', 'glue-temp/']);
    for (const r of rules) {
      for (const prefix of ['bronze/', 'silver/', 'quarantine/', 'gold/']) {
        // A rule with an expiration must not cover table data (an empty prefix would cover all of it).
        if (r.expiration !== undefined) expect(prefix.startsWith(r.filter.prefix) || r.filter.prefix === '').to.equal(false);
      }
    }
    expect(rules.some((r) => r.noncurrentVersionExpiration !== undefined)).to.equal(true);
  });

  it('destroyData=false (default): buckets keep their data (forceDestroy false, retained on delete); the workgroup never blocks a destroy', () => {
    for (const bucket of b.mocks.ofType('aws:s3/bucket:Bucket')) {
      expect(bucket.inputs.forceDestroy).to.equal(false);
      expect(bucket.retainOnDelete, bucket.name).to.equal(true);
      for (const sibling of b.mocks.childrenOf(b.mocks.parentOf(bucket)!)) expect(sibling.retainOnDelete, sibling.name).to.equal(true);
    }
    // AWS refuses to delete a workgroup holding query executions (the validation creates some).
    expect(b.mocks.one('aws:athena/workgroup:Workgroup').inputs.forceDestroy).to.equal(true);
  });

  it('Glue databases bronze_/silver_/gold_<id> and one table per schema table in its database', () => {
    expect(
      b.mocks
        .ofType('aws:glue/catalogDatabase:CatalogDatabase')
        .map((r) => r.inputs.name)
        .sort(),
    ).to.deep.equal(['bronze_jdoe_01', 'gold_jdoe_01', 'silver_jdoe_01']);
    const tables = b.mocks.ofType('aws:glue/catalogTable:CatalogTable');
    expect(tables).to.have.length(TABLES.length);
    for (const t of TABLES) {
      const r = tables.find((x) => x.inputs.name === t.name && x.inputs.databaseName === `${t.database}_jdoe_01`);
      expect(r, t.id).not.to.equal(undefined);
      const bucket = t.layer === 'raw' ? SOURCE : ANALYTICS;
      expect(r!.inputs.storageDescriptor.location).to.equal(`s3://${bucket}/${t.location}/`);
      expect(r!.inputs.parameters['storage.location.template'].startsWith(`s3://${bucket}/${t.location}/`)).to.equal(true);
      const cols = (r!.inputs.storageDescriptor.columns as Array<{ name: string; type: string }>).map((c) => `${c.name}:${c.type}`);
      expect(cols).to.deep.equal(t.columns.map((c) => `${c.name}:${c.type}`));
      const keys = (r!.inputs.partitionKeys as Array<{ name: string; type: string }>).map((c) => `${c.name}:${c.type}`);
      expect(keys).to.deep.equal(catalogPartitionKeys(t).map((c) => `${c.name}:${c.type}`));
    }
  });

  it('uploads the job script, helper modules, manifest, tables.json and every manifest SQL file, with their exact content, under one content-addressed folder', async () => {
    const version = codeVersion(etlCodeObjects(fixture.etlDir));
    const prefix = `etl/${version}/`;
    const objects = b.mocks.ofType('aws:s3/bucketObjectv2:BucketObjectv2').filter((r) => String(r.inputs.key).startsWith('etl/'));
    const expectedKeys = [...Object.keys(fixture.files).map((rel) => `${prefix}${rel}`), `${prefix}tables.json`].sort();
    expect(objects.map((o) => o.inputs.key).sort()).to.deep.equal(expectedKeys);
    for (const o of objects) {
      expect(o.inputs.bucket).to.equal(ANALYTICS);
      // A replaced version is kept, so a run that started on it still reads it whole.
      expect(o.retainOnDelete, o.name).to.equal(true);
      if (o.inputs.key === `${prefix}tables.json`) {
        expect(JSON.parse(o.inputs.content)).to.deep.equal(JSON.parse(JSON.stringify(tablesDocument())));
      } else {
        const rel = String(o.inputs.key).slice(prefix.length);
        const file = await o.inputs.source.path;
        expect(fs.readFileSync(file, 'utf8'), rel).to.equal(fixture.files[rel]);
        expect(path.resolve(file)).to.equal(path.join(fixture.etlDir, rel));
      }
    }
  });

  it('Glue job: glueetl Python 3 on Glue 5.0, one run at a time with further runs queued, every contract argument, code of one version, metrics on', () => {
    const job = b.mocks.one('aws:glue/job:Job').inputs;
    const code = `s3://${ANALYTICS}/etl/${codeVersion(etlCodeObjects(fixture.etlDir))}/`;
    expect(job.name).to.equal('lakehouse_etl_jdoe_01');
    expect(job.glueVersion).to.equal('5.0');
    expect(job.command).to.deep.equal({ name: 'glueetl', pythonVersion: '3', scriptLocation: `${code}glue/job.py` });
    expect(job.executionProperty).to.deep.equal({ maxConcurrentRuns: 1 });
    expect(job.jobRunQueuingEnabled).to.equal(true);
    expect([job.workerType, job.numberOfWorkers, job.executionClass, job.timeout]).to.deep.equal(['G.1X', 2, 'STANDARD', 60]);
    expect(job.defaultArguments).to.deep.equal({
      '--source_path': `s3://${SOURCE}/events/`,
      '--lake_path': `s3://${ANALYTICS}/`,
      '--etl_path': code,
      '--bronze_database': 'bronze_jdoe_01',
      '--silver_database': 'silver_jdoe_01',
      '--gold_database': 'gold_jdoe_01',
      '--metrics_namespace': 'Lakehouse/ETL',
      '--job-bookmark-option': 'job-bookmark-enable',
      '--max_files': '24',
      '--TempDir': `s3://${ANALYTICS}/glue-temp/`,
      '--enable-metrics': 'true',
      '--enable-job-insights': 'true',
      '--extra-py-files': `${code}glue/lake_io.py,${code}glue/metrics.py`,
      '--code_version': codeVersion(etlCodeObjects(fixture.etlDir)),
    });
  });

  it('the job waits for its code: it depends on every uploaded object', () => {
    const job = b.mocks.one('aws:glue/job:Job');
    const objectUrns = b.mocks
      .ofType('aws:s3/bucketObjectv2:BucketObjectv2')
      .filter((o) => String(o.inputs.key).startsWith('etl/'))
      .map((o) => o.urn);
    for (const urn of objectUrns) expect(job.dependencies).to.include(urn);
  });

  it('no Glue trigger: every hour the ETL starter Lambda checks for new files and starts the job', () => {
    expect(b.mocks.ofType('aws:glue/trigger:Trigger')).to.deep.equal([]);
    const fn = named(b.mocks, 'aws:lambda/function:Function', 'etl-starter').inputs;
    expect(fn).to.deep.include({ name: 'lakehouse-etl-starter-jdoe-01', runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(fn.environment.variables).to.deep.equal({ JOB_NAME: 'lakehouse_etl_jdoe_01', SOURCE_BUCKET: SOURCE, SOURCE_PREFIX: 'events/' });
    const rule = named(b.mocks, 'aws:cloudwatch/eventRule:EventRule', 'etl-starter-schedule').inputs;
    expect(rule).to.deep.include({ name: 'lakehouse-etl-starter-schedule-jdoe-01', scheduleExpression: 'cron(0 * * * ? *)' });
    const target = named(b.mocks, 'aws:cloudwatch/eventTarget:EventTarget', 'etl-starter-target').inputs;
    expect(target.rule).to.equal(rule.name);
    expect(target.arn).to.match(/:lakehouse-etl-starter-jdoe-01$/);
    const permission = named(b.mocks, 'aws:lambda/permission:Permission', 'etl-starter-invoke').inputs;
    expect(permission).to.deep.include({ action: 'lambda:InvokeFunction', principal: 'events.amazonaws.com', function: 'lakehouse-etl-starter-jdoe-01' });
    expect(permission.sourceArn).to.match(/:lakehouse-etl-starter-schedule-jdoe-01$/);
  });

  it('failed runs: EventBridge rule on Glue Job State Change FAILED/TIMEOUT (the event has no ERROR state) -> SNS, and a CloudWatch alarm on it', () => {
    const rule = named(b.mocks, 'aws:cloudwatch/eventRule:EventRule', 'etl-failed-runs');
    expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
      source: ['aws.glue'],
      'detail-type': ['Glue Job State Change'],
      detail: { jobName: ['lakehouse_etl_jdoe_01'], state: ['FAILED', 'TIMEOUT'] },
    });
    const topic = b.mocks.one('aws:sns/topic:Topic');
    const target = named(b.mocks, 'aws:cloudwatch/eventTarget:EventTarget', 'etl-failed-runs');
    expect(target.inputs.rule).to.equal(rule.inputs.name);
    expect(target.inputs.arn).to.match(/:lakehouse-etl-failed-jdoe-01$/);
    const topicPolicy = policyOf(b.mocks.one('aws:sns/topicPolicy:TopicPolicy'));
    expect(topicPolicy.Statement[0].Principal).to.deep.equal({ Service: 'events.amazonaws.com' });
    expect(topicPolicy.Statement[0].Condition.ArnEquals['aws:SourceArn']).to.match(/lakehouse-etl-failed-jdoe-01$/);
    expect(topic.inputs.name).to.equal('lakehouse-etl-failed-jdoe-01');
    const alarm = b.mocks.one('aws:cloudwatch/metricAlarm:MetricAlarm').inputs;
    expect(alarm).to.deep.include({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      statistic: 'Sum',
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
    expect(alarm.dimensions).to.deep.equal({ RuleName: rule.inputs.name });
    expect(b.mocks.ofType('aws:sns/topicSubscription:TopicSubscription')).to.have.length(0);
  });

  it('generator Lambda: Node.js 22, 1769 MB, 60 s, its env, a rate(5 minutes) schedule and invoke permission', async () => {
    const fn = named(b.mocks, 'aws:lambda/function:Function', 'source-generator').inputs;
    expect(fn).to.deep.include({ name: 'lakehouse-generator-jdoe-01', runtime: 'nodejs22.x', handler: 'index.handler', memorySize: 1769, timeout: 60 });
    expect(fn.environment.variables).to.deep.equal({ SOURCE_BUCKET: SOURCE, MIN_EVENTS: '500000', MAX_EVENTS: '750000', DUPLICATE_RATE: '0' });
    expect(Object.keys(await fn.code.assets)).to.deep.equal(['index.js']);
    expect(fn.loggingConfig.logGroup).to.equal('/aws/lambda/lakehouse-generator-jdoe-01');
    const rule = named(b.mocks, 'aws:cloudwatch/eventRule:EventRule', 'source-generator-schedule').inputs;
    expect(rule.scheduleExpression).to.equal('rate(5 minutes)');
    const target = named(b.mocks, 'aws:cloudwatch/eventTarget:EventTarget', 'source-generator-target').inputs;
    expect(target.rule).to.equal(rule.name);
    expect(target.arn).to.match(/:lakehouse-generator-jdoe-01$/);
    const permission = named(b.mocks, 'aws:lambda/permission:Permission', 'source-generator-invoke').inputs;
    expect(permission).to.deep.include({ action: 'lambda:InvokeFunction', principal: 'events.amazonaws.com', function: 'lakehouse-generator-jdoe-01' });
    expect(permission.sourceArn).to.match(/:lakehouse-generator-schedule-jdoe-01$/);
  });

  it('Athena workgroup: engine v3, enforced, SSE_S3 results under athena-results/, metrics, bytes cutoff', () => {
    const wg = b.mocks.one('aws:athena/workgroup:Workgroup').inputs;
    expect(wg.name).to.equal('lakehouse_jdoe_01');
    expect(wg.configuration).to.deep.equal({
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: 10737418240,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: { outputLocation: `s3://${ANALYTICS}/athena-results/`, encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
    });
  });

  it('one named query per deliverable query, in gold_<id> and the workgroup; queries.sql uploaded to queries/', async () => {
    const queries = b.mocks.ofType('aws:athena/namedQuery:NamedQuery').map((r) => r.inputs);
    expect(queries.map((q) => q.name).sort()).to.deep.equal(fixture.queries.map((q) => `q${q.id}_${q.name}`).sort());
    for (const q of fixture.queries) {
      const r = queries.find((x) => x.name === `q${q.id}_${q.name}`)!;
      expect(r).to.deep.include({ database: 'gold_jdoe_01', workgroup: 'lakehouse_jdoe_01', query: q.sql, description: q.question });
    }
    const object = b.mocks.ofType('aws:s3/bucketObjectv2:BucketObjectv2').find((o) => o.inputs.key === 'queries/queries.sql')!;
    expect(object.inputs.bucket).to.equal(ANALYTICS);
    expect(await object.inputs.source.path).to.equal(fixture.queriesFile);
  });

  it('stack outputs: names, URIs, console links and commands', async () => {
    const o = b.outputs;
    expect(await outputOf(o.sourceBucketName)).to.equal(SOURCE);
    expect(await outputOf(o.analyticsBucketName)).to.equal(ANALYTICS);
    expect(await outputOf(o.goldDatasetUri)).to.equal(`s3://${ANALYTICS}/gold/`);
    expect(await outputOf(o.queriesSqlUri)).to.equal(`s3://${ANALYTICS}/queries/queries.sql`);
    expect(await outputOf(o.glueJobName)).to.equal('lakehouse_etl_jdoe_01');
    expect(await outputOf(o.athenaWorkgroup)).to.equal('lakehouse_jdoe_01');
    expect(o.databases).to.deep.equal({ bronze: 'bronze_jdoe_01', silver: 'silver_jdoe_01', gold: 'gold_jdoe_01' });
    expect(await outputOf(o.commands.startEtlJob)).to.equal('aws glue start-job-run --region us-west-2 --job-name lakehouse_etl_jdoe_01');
    // Glue 5.0 writes the driver's output to /aws-glue/jobs/output (logs-v2 is the 4.0 continuous-logging group).
    expect(o.commands.tailEtlRunLog).to.equal('aws logs tail /aws-glue/jobs/output --region us-west-2 --since 1h --filter-pattern lakehouse_etl_run');
    const runQuery = await outputOf(o.commands.runQuery);
    expect(runQuery).to.include('aws athena start-query-execution --region us-west-2 --work-group lakehouse_jdoe_01');
    expect(runQuery).to.include('--query-execution-context Database=gold_jdoe_01');
    expect(await outputOf(o.consoleLinks.glueJob)).to.equal(
      'https://us-west-2.console.aws.amazon.com/gluestudio/home?region=us-west-2#/editor/job/lakehouse_etl_jdoe_01/runs',
    );
    expect(await outputOf(o.consoleLinks.analyticsBucket)).to.equal(`https://s3.console.aws.amazon.com/s3/buckets/${ANALYTICS}?region=us-west-2`);
    expect(o.consoleLinks.athena).to.equal('https://us-west-2.console.aws.amazon.com/athena/home?region=us-west-2#/query-editor');
  });
});

describe('components: stack variants under mocks', () => {
  it("iamMode=create: least-privilege roles naming only this stack's buckets, prefixes, databases and log groups", async () => {
    const b = await build({ iamMode: 'create' });
    expect(b.mocks.calls.filter((c) => c.token === 'aws:iam/getRole:getRole')).to.have.length(0);
    const roles = b.mocks.ofType('aws:iam/role:Role');
    expect(roles.map((r) => JSON.parse(r.inputs.assumeRolePolicy).Statement[0].Principal.Service).sort()).to.deep.equal([
      'glue.amazonaws.com',
      'lambda.amazonaws.com',
      'lambda.amazonaws.com',
    ]);
    const policies = b.mocks.ofType('aws:iam/rolePolicy:RolePolicy');
    expect(policies).to.have.length(3);
    for (const r of [...roles, ...policies]) expect(b.mocks.parentOf(r)!.custom).to.equal(false);
    const byRole = (roleName: string) => {
      const role = roles.find((r) => r.inputs.name === roleName)!;
      return policyOf(policies.find((p) => p.inputs.role === `${role.name}-id`)!); // RolePolicy.role is the role's id
    };
    const lambda = byRole('lakehouse-generator-jdoe-01');
    expect(lambda.Statement).to.deep.equal([
      {
        Sid: 'WriteSourceEvents',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: `arn:aws:s3:::${SOURCE}/events/*`,
      },
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:us-west-2:${MOCK_ACCOUNT_ID}:log-group:/aws/lambda/lakehouse-generator-jdoe-01:*`,
      },
    ]);
    const glue = byRole('lakehouse-glue-jdoe-01');
    const resources = (s: { Resource: string | string[] }) => ([] as string[]).concat(s.Resource);
    const stmt = (sid: string) => glue.Statement.find((s: { Sid: string }) => s.Sid === sid);
    expect(resources(stmt('ReadSourceEvents'))).to.deep.equal([`arn:aws:s3:::${SOURCE}/events/*`]);
    expect(resources(stmt('ReadEtlCode'))).to.deep.equal([`arn:aws:s3:::${ANALYTICS}/etl/*`]);
    expect(resources(stmt('ReadWriteLake'))).to.deep.equal(
      ['bronze/', 'silver/', 'quarantine/', 'gold/', 'glue-temp/', '_state/'].map((p) => `arn:aws:s3:::${ANALYTICS}/${p}*`),
    );
    expect(stmt('ReadWriteLake').Action).not.to.include('s3:*');
    expect(resources(stmt('OwnCatalog'))).to.deep.equal([
      `arn:aws:glue:us-west-2:${MOCK_ACCOUNT_ID}:catalog`,
      ...['bronze', 'silver', 'gold'].map((l) => `arn:aws:glue:us-west-2:${MOCK_ACCOUNT_ID}:database/${l}_jdoe_01`),
      ...['bronze', 'silver', 'gold'].map((l) => `arn:aws:glue:us-west-2:${MOCK_ACCOUNT_ID}:table/${l}_jdoe_01/*`),
    ]);
    expect(resources(stmt('GlueLogs'))).to.deep.equal([`arn:aws:logs:us-west-2:${MOCK_ACCOUNT_ID}:log-group:/aws-glue/*`]);
    // The only "*" resource is PutMetricData, which AWS cannot scope by resource: a namespace condition scopes it.
    for (const s of [...lambda.Statement, ...glue.Statement]) {
      if (resources(s).includes('*')) {
        expect(s.Action).to.deep.equal(['cloudwatch:PutMetricData']);
        expect(s.Condition).to.deep.equal({ StringEquals: { 'cloudwatch:namespace': ['Lakehouse/ETL', 'Glue'] } });
      }
      for (const arn of resources(s)) if (arn.startsWith('arn:aws:s3')) expect(arn.includes(SOURCE) || arn.includes(ANALYTICS), arn).to.equal(true);
    }
    const starter = byRole('lakehouse-etl-starter-jdoe-01');
    expect(starter.Statement).to.deep.equal([
      {
        Sid: 'InspectAndStartTheJob',
        Effect: 'Allow',
        Action: ['glue:GetJobRuns', 'glue:StartJobRun'],
        Resource: `arn:aws:glue:us-west-2:${MOCK_ACCOUNT_ID}:job/lakehouse_etl_jdoe_01`,
      },
      {
        Sid: 'ListSourceFiles',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: `arn:aws:s3:::${SOURCE}`,
        Condition: { StringLike: { 's3:prefix': ['events/*'] } },
      },
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:us-west-2:${MOCK_ACCOUNT_ID}:log-group:/aws/lambda/lakehouse-etl-starter-jdoe-01:*`,
      },
    ]);
    expect(named(b.mocks, 'aws:lambda/function:Function', 'source-generator').inputs.role).to.match(/role\/lakehouse-generator-jdoe-01$/);
    expect(named(b.mocks, 'aws:lambda/function:Function', 'etl-starter').inputs.role).to.match(/role\/lakehouse-etl-starter-jdoe-01$/);
    expect(b.mocks.one('aws:glue/job:Job').inputs.roleArn).to.match(/role\/lakehouse-glue-jdoe-01$/);
  });

  it('existing source bucket: no source bucket created or managed, the Lambda, raw table and job use the given name', async () => {
    const b = await build({ source: 'my-starter-events' });
    expect(b.mocks.ofType('aws:s3/bucket:Bucket').map((r) => r.inputs.bucket)).to.deep.equal([ANALYTICS]);
    expect(b.mocks.ofType('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').map((r) => r.inputs.bucket)).to.deep.equal([ANALYTICS]);
    expect(named(b.mocks, 'aws:lambda/function:Function', 'source-generator').inputs.environment.variables.SOURCE_BUCKET).to.equal('my-starter-events');
    expect(named(b.mocks, 'aws:lambda/function:Function', 'etl-starter').inputs.environment.variables.SOURCE_BUCKET).to.equal('my-starter-events');
    const raw = b.mocks.one('aws:glue/catalogTable:CatalogTable', 'lakehouse-raw-events');
    expect(raw.inputs.storageDescriptor.location).to.equal('s3://my-starter-events/events/');
    expect(b.mocks.one('aws:glue/job:Job').inputs.defaultArguments['--source_path']).to.equal('s3://my-starter-events/events/');
    expect(await outputOf(b.outputs.sourceBucketName)).to.equal('my-starter-events');
  });

  it('generator off, ETL schedule off, tuned job, destroyData=true, alarm e-mail', async () => {
    const b = await build({
      generatorEnabled: 'false',
      etlSchedule: 'off',
      destroyData: 'true',
      workerType: 'G.2X',
      numberOfWorkers: '5',
      executionClass: 'FLEX',
      jobTimeoutMinutes: '30',
      glueVersion: '4.0',
      bytesScannedCutoffPerQuery: '104857600',
      sourceRetentionDays: '7',
      alarmEmail: 'ops@example.com',
    });
    expect(b.mocks.ofType('aws:lambda/function:Function')).to.have.length(0);
    expect(b.mocks.ofType('aws:lambda/permission:Permission')).to.have.length(0);
    expect(b.mocks.ofType('aws:cloudwatch/eventRule:EventRule').map((r) => r.name)).to.deep.equal(['etl-failed-runs']);
    expect(b.mocks.ofType('lakehouse:index:EtlStarter')).to.have.length(0);
    const job = b.mocks.one('aws:glue/job:Job').inputs;
    expect([job.workerType, job.numberOfWorkers, job.executionClass, job.timeout, job.glueVersion]).to.deep.equal(['G.2X', 5, 'FLEX', 30, '4.0']);
    // Glue 4.0 still needs the flag to log while a run is going (5.0 does it by itself).
    expect(job.defaultArguments['--enable-continuous-cloudwatch-log']).to.equal('true');
    expect(b.outputs.commands.tailEtlRunLog).to.match(/^aws logs tail \/aws-glue\/jobs\/logs-v2 /);
    for (const bucket of b.mocks.ofType('aws:s3/bucket:Bucket')) {
      expect(bucket.inputs.forceDestroy).to.equal(true);
      expect(bucket.retainOnDelete).to.equal(false);
    }
    expect(b.mocks.one('aws:athena/workgroup:Workgroup').inputs.forceDestroy).to.equal(true);
    expect(b.mocks.one('aws:athena/workgroup:Workgroup').inputs.configuration.bytesScannedCutoffPerQuery).to.equal(104857600);
    const sourceRules = b.mocks.ofType('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').find((r) => r.inputs.bucket === SOURCE)!.inputs
      .rules;
    expect(sourceRules[0].expiration).to.deep.equal({ days: 7 });
    expect(b.mocks.one('aws:sns/topicSubscription:TopicSubscription').inputs).to.deep.include({ protocol: 'email', endpoint: 'ops@example.com' });
    expect(await outputOf(b.outputs.commands.invokeGenerator)).to.equal(undefined);
  });

  it('a changed SQL file or script changes --code_version (so the job itself updates)', () => {
    const before = codeVersion(etlCodeObjects(fixture.etlDir));
    const file = path.join(fixture.etlDir, 'sql', '01_parsed.sql');
    const original = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, `${original}-- changed\n`);
      expect(codeVersion(etlCodeObjects(fixture.etlDir))).not.to.equal(before);
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(codeVersion(etlCodeObjects(fixture.etlDir))).to.equal(before);
  });

  it('a missing SQL file named by the manifest fails the deployment naming the file', () => {
    const file = path.join(fixture.etlDir, 'sql', '90_run_metrics.sql');
    const original = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    try {
      expect(() => etlCodeObjects(fixture.etlDir)).to.throw(/SQL file '.*90_run_metrics\.sql' named by .*manifest\.json not found/);
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

describe('components: the stack over its whole life (destroy, re-create, credentials, a missing LabRole)', () => {
  const s3 = mockClient(S3Client);
  after(() => s3.restore());

  /**
   * The account as S3's HeadBucket sees it: the buckets in `world` exist and are this
   * account's, `foreign` ones exist in another account, everything else answers 404.
   */
  function s3Account(world: ReadonlySet<string>, foreign: ReadonlySet<string> = new Set()) {
    s3.reset();
    s3.on(HeadBucketCommand).callsFake((input: { Bucket: string; ExpectedBucketOwner?: string }) => {
      expect(input.ExpectedBucketOwner, "only this account's bucket counts").to.equal(MOCK_ACCOUNT_ID);
      if (world.has(input.Bucket)) return {};
      if (foreign.has(input.Bucket)) {
        throw new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Forbidden' });
      }
      throw new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' });
    });
  }

  /** What a destroy leaves in AWS: the buckets Pulumi was told to retain. */
  const keptAfterDestroy = (m: MockRecorder) =>
    new Set(
      m
        .ofType('aws:s3/bucket:Bucket')
        .filter((b) => b.retainOnDelete)
        .map((b) => String(b.inputs.bucket)),
    );
  const tableLocations = (m: MockRecorder) =>
    Object.fromEntries(m.ofType('aws:glue/catalogTable:CatalogTable').map((t) => [t.name, t.inputs.storageDescriptor.location as string]));

  it('destroy then up with the defaults: the kept buckets are adopted (import), not created again, and the tables point at the same data', async () => {
    s3Account(new Set());
    const first = await build({}, fixture.etlDir, noBuckets, { bucketProbe: 'default' });
    expect(first.mocks.ofType('aws:s3/bucket:Bucket').map((b) => b.importId)).to.deep.equal(['', '']);
    const kept = keptAfterDestroy(first.mocks);
    expect([...kept].sort()).to.deep.equal([ANALYTICS, SOURCE]);
    // Nothing else survives the destroy, and nothing can block it: the workgroup is force-destroyed.
    expect(
      first.mocks
        .awsResources()
        .filter((r) => r.retainOnDelete && r.type !== 'aws:s3/bucketObjectv2:BucketObjectv2')
        .every((r) => b_isBucketPart(first.mocks, r)),
    ).to.equal(true);
    expect(first.mocks.one('aws:athena/workgroup:Workgroup').inputs.forceDestroy).to.equal(true);
    const before = tableLocations(first.mocks);

    s3Account(kept);
    const second = await build({}, fixture.etlDir, noBuckets, { bucketProbe: 'default' });
    const buckets = second.mocks.ofType('aws:s3/bucket:Bucket');
    expect(Object.fromEntries(buckets.map((b) => [b.inputs.bucket, b.importId]))).to.deep.equal({ [SOURCE]: SOURCE, [ANALYTICS]: ANALYTICS });
    // The adopted bucket keeps its settings: no forceDestroy change that would make the import differ.
    for (const b of buckets) expect(b.inputs.forceDestroy).to.equal(false);
    expect(tableLocations(second.mocks)).to.deep.equal(before);
    expect(
      s3
        .commandCalls(HeadBucketCommand)
        .map((c) => c.args[0].input.Bucket)
        .sort(),
    ).to.deep.equal([ANALYTICS, SOURCE]);
  });

  it('adoptKeptBuckets=false never asks S3 and always creates; destroyData=true keeps nothing to adopt', async () => {
    s3Account(new Set([SOURCE, ANALYTICS]));
    const off = await build({ adoptKeptBuckets: 'false' }, fixture.etlDir, noBuckets, { bucketProbe: 'default' });
    expect(off.mocks.ofType('aws:s3/bucket:Bucket').map((b) => b.importId)).to.deep.equal(['', '']);
    expect(s3.commandCalls(HeadBucketCommand)).to.have.length(0);
    s3Account(new Set());
    const deleting = await build({ destroyData: 'true' }, fixture.etlDir, noBuckets, { bucketProbe: 'default' });
    expect(keptAfterDestroy(deleting.mocks).size).to.equal(0);
  });

  it('a bucket name owned by another account stops the program naming studentId and the bucket', async () => {
    s3Account(new Set(), new Set([ANALYTICS]));
    let error: unknown;
    try {
      await build({}, fixture.etlDir, noBuckets, { bucketProbe: 'default' });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(new RegExp(`^config studentId: bucket '${ANALYTICS}' already exists in another AWS account`));
  });

  it('with the source bucket kept but the analytics bucket gone, adopts one and creates the other', async () => {
    const b = await build({}, fixture.etlDir, new Set([SOURCE]));
    expect(Object.fromEntries(b.mocks.ofType('aws:s3/bucket:Bucket').map((r) => [r.inputs.bucket, r.importId]))).to.deep.equal({
      [SOURCE]: SOURCE,
      [ANALYTICS]: '',
    });
  });

  it('a missing LabRole stops the program early with one line naming iamMode, before any AWS resource is declared', async () => {
    const mocks = await installMocks({
      config: { 'lakehouse:studentId': 'jdoe-01' },
      calls: {
        'aws:iam/getRole:getRole': () => {
          throw new Error("reading IAM Role (LabRole): couldn't find resource");
        },
      },
    });
    const cfg = loadStackConfig(new pulumi.Config(), pulumi.getStack());
    let error: unknown;
    try {
      await deployLakehouse(cfg, {
        region: 'us-west-2',
        projectName: 'lakehouse',
        stackName: 'dev',
        etlDir: fixture.etlDir,
        bucketProbe: async () => 'absent',
      });
    } catch (e) {
      error = e;
    }
    await mocks.settle();
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as Error).message;
    // Under mocks the invoke error arrives without its text; a real one carries the provider's reason.
    expect(message, message).to.match(
      /^config iamMode: iamMode is 'labRole' but role 'LabRole' cannot be read in account 123456789012 \(.+\); expected AWS Academy's LabRole/,
    );
    expect(message).to.include("set 'pulumi config set iamMode create'");
    expect(message.split('\n')).to.have.length(1);
    expect(mocks.awsResources()).to.deep.equal([]);
  });

  it('aws:profile and aws:assumeRoles from stack config reach the explicit provider', async () => {
    const roles = [{ roleArn: 'arn:aws:iam::210987654321:role/deployer', sessionName: 'ci', externalId: 'x-1' }];
    const b = await build({}, fixture.etlDir, noBuckets, { awsConfig: { 'aws:profile': 'student', 'aws:assumeRoles': JSON.stringify(roles) } });
    const provider = b.mocks.one('pulumi:providers:aws', 'aws').inputs;
    expect(provider.profile).to.equal('student');
    expect(JSON.parse(provider.assumeRoles)).to.deep.equal(roles);
    expect(provider.region).to.equal('us-west-2');
  });

  it('says at destroy time what destroy does to the data: an onDestroy stack output naming the buckets', async () => {
    const kept = await build();
    expect(await outputOf(kept.outputs.onDestroy)).to.equal(
      `pulumi destroy keeps bucket(s) ${SOURCE}, ${ANALYTICS} and their data (destroyData=false); the next 'pulumi up' adopts them again (adoptKeptBuckets)`,
    );
    const deleted = await build({ destroyData: 'true', source: 'my-starter-events' });
    expect(await outputOf(deleted.outputs.onDestroy)).to.equal(`pulumi destroy DELETES bucket(s) ${ANALYTICS} with all their data (destroyData=true)`);
  });

  it('one type-token scheme, with the former tokens as aliases so existing stacks keep their resources', async () => {
    const b = await build();
    for (const c of b.mocks.resources.filter((r) => !r.custom)) expect(c.type, c.name).to.match(/^lakehouse:index:[A-Z]\w+$/);
    for (const bucket of b.mocks.ofType('lakehouse:index:SecureBucket')) expect(bucket.aliasTypes).to.deep.equal(['lakehouse:storage:SecureBucket']);
    expect(b.mocks.one('lakehouse:index:EtlPipeline').aliasTypes).to.deep.equal([]);
  });
});

/** A retained resource is a bucket or one of its protections (all children of a SecureBucket). */
function b_isBucketPart(m: MockRecorder, r: RecordedResource): boolean {
  return m.parentOf(r)?.type === 'lakehouse:index:SecureBucket';
}
