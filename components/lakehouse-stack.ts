/**
 * Composes the whole stack from the four components: the one place that knows how they plug
 * together. index.ts calls it with the validated config; tests call it under mocks with
 * injected code (Lambda bundle, ETL folder, queries) so they need neither esbuild output nor
 * another helper's files to exercise the wiring.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DatabaseLayer } from '../etl/schema';
import type { AwsCredentialSettings } from './aws-credentials';
import { ConfigError, StackConfig } from './config';
import { EtlPipeline } from './etl-pipeline';
import { EventSource } from './event-source';
import { BucketProbe, bucketsToAdopt, s3BucketProbe } from './kept-buckets';
import { MedallionLakehouse } from './medallion-lakehouse';
import { bucketName } from './naming';
import { RoleChoice } from './roles';
import { DeliverableQuery, QueryLayer } from './query-layer';

export interface DeployContext {
  /** AWS region (stack config `aws:region`). */
  readonly region: string;
  readonly projectName: string;
  readonly stackName: string;
  /** Injected code for tests; the defaults read/bundle this repository's files at deploy time. */
  readonly generatorCode?: pulumi.asset.Archive;
  readonly etlDir?: string;
  readonly queries?: readonly DeliverableQuery[];
  readonly queriesFile?: string;
  readonly starterCode?: pulumi.asset.Archive;
  /** Stack credential settings (`aws:profile`, `aws:assumeRoles`, ...), given to every AWS client. */
  readonly credentials?: AwsCredentialSettings;
  /**
   * How kept buckets are found.
   * @default s3BucketProbe(region, credentials): S3 HeadBucket
   */
  readonly bucketProbe?: BucketProbe;
}

/** The explicit provider's credential arguments: what the stack config says, nothing else. */
export function providerCredentialArgs(c: AwsCredentialSettings | undefined): Partial<aws.ProviderArgs> {
  return {
    ...(c?.profile === undefined ? {} : { profile: c.profile }),
    ...(c?.assumeRoles === undefined ? {} : { assumeRoles: c.assumeRoles.map((r) => ({ ...r })) }),
    ...(c?.sharedConfigFiles === undefined ? {} : { sharedConfigFiles: [...c.sharedConfigFiles] }),
    ...(c?.sharedCredentialsFiles === undefined ? {} : { sharedCredentialsFiles: [...c.sharedCredentialsFiles] }),
  };
}

/** The first non-empty line of an error's message (invoke errors arrive wrapped, with blank lines). */
function firstLineOf(error: unknown): string {
  const text = String((error as { message?: string } | null)?.message ?? error);
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'no reason given'
  );
}

/**
 * The existing role of labRole mode, looked up before any resource is declared so that an
 * account without it stops the program with one line naming `iamMode`, not with a provider
 * error half-way through a preview.
 */
async function lookUpLabRole(cfg: StackConfig, accountId: string, provider: aws.Provider): Promise<string> {
  try {
    return (await aws.iam.getRole({ name: cfg.labRoleName }, { provider })).arn;
  } catch (error) {
    const reason = firstLineOf(error);
    throw new ConfigError(
      `config iamMode: iamMode is 'labRole' but role '${cfg.labRoleName}' cannot be read in account ${accountId} (${reason}); ` +
        "expected AWS Academy's LabRole: outside AWS Academy set 'pulumi config set iamMode create', or labRoleName to an existing role",
    );
  }
}

/** The tags every AWS resource carries, set once as the provider's default tags. */
export function commonTags(cfg: StackConfig, ctx: DeployContext): Record<string, string> {
  return { project: ctx.projectName, stack: ctx.stackName, 'student-id': cfg.studentId, 'managed-by': 'pulumi' };
}

export interface Lakehouse {
  readonly provider: aws.Provider;
  readonly accountId: string;
  readonly destroyData: boolean;
  readonly source: EventSource;
  readonly lakehouse: MedallionLakehouse;
  readonly pipeline: EtlPipeline;
  readonly queryLayer: QueryLayer;
  readonly databases: Readonly<Record<DatabaseLayer, string>>;
}

/**
 * Declares the whole stack. Asynchronous because three answers are needed before any resource
 * is declared: the account id (bucket names), whether the LabRole exists (labRole mode) and
 * which buckets an earlier destroy kept (they are adopted, not created).
 */
export async function deployLakehouse(cfg: StackConfig, ctx: DeployContext): Promise<Lakehouse> {
  const provider = new aws.Provider('aws', {
    region: ctx.region as aws.Region,
    defaultTags: { tags: commonTags(cfg, ctx) },
    ...providerCredentialArgs(ctx.credentials),
  });
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };

  const identity = await aws.getCallerIdentity({}, { provider });
  const accountId = identity.accountId;
  // arn:<partition>:sts::<account>:... gives the partition without another lookup.
  const partition = identity.arn.split(':')[1];

  const role: RoleChoice = cfg.iamMode === 'labRole' ? { kind: 'existing', arn: await lookUpLabRole(cfg, accountId, provider) } : { kind: 'create' };

  const created = [
    ...(cfg.existingSourceBucket === undefined ? [bucketName('source', cfg.studentId, accountId)] : []),
    bucketName('analytics', cfg.studentId, accountId),
  ];
  const adopt = cfg.adoptKeptBuckets
    ? await bucketsToAdopt(created, accountId, ctx.bucketProbe ?? s3BucketProbe(ctx.region, ctx.credentials))
    : new Set<string>();

  const source = new EventSource(
    'source',
    {
      studentId: cfg.studentId,
      accountId,
      partition,
      existingBucketName: cfg.existingSourceBucket,
      retentionDays: cfg.sourceRetentionDays,
      destroyData: cfg.destroyData,
      adoptExistingBucket: adopt.has(bucketName('source', cfg.studentId, accountId)),
      role,
      generator: {
        enabled: cfg.generatorEnabled,
        schedule: cfg.generatorSchedule,
        minEvents: cfg.minEvents,
        maxEvents: cfg.maxEvents,
        duplicateRate: cfg.duplicateRate,
        code: ctx.generatorCode,
      },
    },
    opts,
  );

  const lakehouse = new MedallionLakehouse(
    'lakehouse',
    {
      studentId: cfg.studentId,
      accountId,
      sourceBucketName: source.bucketName,
      destroyData: cfg.destroyData,
      adoptExistingBucket: adopt.has(bucketName('analytics', cfg.studentId, accountId)),
    },
    opts,
  );

  const pipeline = new EtlPipeline(
    'etl',
    {
      studentId: cfg.studentId,
      accountId,
      region: ctx.region,
      partition,
      sourceBucketName: source.bucketName,
      analyticsBucketName: lakehouse.bucketName,
      databases: lakehouse.databases,
      role,
      etlDir: ctx.etlDir,
      starterCode: ctx.starterCode,
      alarmEmail: cfg.alarmEmail,
      job: {
        glueVersion: cfg.glueVersion,
        workerType: cfg.workerType,
        numberOfWorkers: cfg.numberOfWorkers,
        executionClass: cfg.executionClass,
        timeoutMinutes: cfg.jobTimeoutMinutes,
        maxFilesPerRun: cfg.etlMaxFilesPerRun,
        schedule: cfg.etlSchedule,
      },
    },
    opts,
  );

  const queryLayer = new QueryLayer(
    'query',
    {
      studentId: cfg.studentId,
      analyticsBucketName: lakehouse.bucketName,
      goldDatabase: lakehouse.databases.gold,
      bytesScannedCutoffPerQuery: cfg.bytesScannedCutoffPerQuery,
      queries: ctx.queries,
      queriesFile: ctx.queriesFile,
    },
    opts,
  );

  return { provider, accountId, destroyData: cfg.destroyData, source, lakehouse, pipeline, queryLayer, databases: lakehouse.databases };
}

/**
 * What `pulumi destroy` will do to the data, as a stack output: Pulumi does not run the program
 * on destroy, but it lists the stack's outputs it removes, so this line is on the screen when
 * the destroy is confirmed.
 */
export function destroyBehaviour(l: Pick<Lakehouse, 'destroyData' | 'source' | 'lakehouse'>): pulumi.Output<string> {
  const kept = [l.source.bucket === undefined ? undefined : l.source.bucketName, l.lakehouse.bucketName].filter(
    (b): b is pulumi.Output<string> => b !== undefined,
  );
  return pulumi
    .all(kept)
    .apply((buckets) =>
      l.destroyData
        ? `pulumi destroy DELETES bucket(s) ${buckets.join(', ')} with all their data (destroyData=true)`
        : `pulumi destroy keeps bucket(s) ${buckets.join(', ')} and their data (destroyData=false); the next 'pulumi up' adopts them again (adoptKeptBuckets)`,
    );
}

/** The stack outputs: names, URIs, console links and ready-to-paste commands. */
export function stackOutputs(l: Lakehouse, region: string) {
  const console = (service: string, fragment: string) => `https://${region}.console.aws.amazon.com/${service}/home?region=${region}#${fragment}`;
  const bucketLink = (name: pulumi.Input<string>) => pulumi.interpolate`https://s3.console.aws.amazon.com/s3/buckets/${name}?region=${region}`;
  const exampleQuery = 'SELECT * FROM product_funnel ORDER BY event_date DESC LIMIT 10';
  return {
    onDestroy: destroyBehaviour(l),
    sourceBucketName: l.source.bucketName,
    analyticsBucketName: l.lakehouse.bucketName,
    goldDatasetUri: l.lakehouse.goldUri,
    queriesSqlUri: l.queryLayer.queriesUri,
    glueJobName: l.pipeline.jobName,
    athenaWorkgroup: l.queryLayer.workgroupName,
    databases: l.databases,
    generatorFunctionName: l.source.function?.name,
    etlFailureTopicArn: l.pipeline.failureTopic.arn,
    consoleLinks: {
      glueJob: pulumi.interpolate`https://${region}.console.aws.amazon.com/gluestudio/home?region=${region}#/editor/job/${l.pipeline.jobName}/runs`,
      athena: console('athena', '/query-editor'),
      sourceBucket: bucketLink(l.source.bucketName),
      analyticsBucket: bucketLink(l.lakehouse.bucketName),
      etlFailureAlarm: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${l.pipeline.failureAlarm.name}`,
    },
    commands: {
      startEtlJob: pulumi.interpolate`aws glue start-job-run --region ${region} --job-name ${l.pipeline.jobName}`,
      // The run-report line of recent runs (its log group depends on the Glue version).
      tailEtlRunLog: `aws logs tail ${l.pipeline.driverLogGroup} --region ${region} --since 1h --filter-pattern lakehouse_etl_run`,
      runQuery: pulumi.interpolate`aws athena start-query-execution --region ${region} --work-group ${l.queryLayer.workgroupName} --query-execution-context Database=${l.databases.gold} --query-string "${exampleQuery}"`,
      invokeGenerator: l.source.function
        ? pulumi.interpolate`aws lambda invoke --region ${region} --function-name ${l.source.function.name} /dev/stdout`
        : undefined,
    },
  };
}
