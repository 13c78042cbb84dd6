/**
 * Composes the whole stack from the four components: the one place that knows how they plug
 * together. index.ts calls it with the validated config; tests call it under mocks with
 * injected code (Lambda bundle, ETL folder, queries) so they need neither esbuild output nor
 * another helper's files to exercise the wiring.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DatabaseLayer } from '../etl/schema';
import type { StackConfig } from './config';
import { EtlPipeline } from './etl-pipeline';
import { EventSource } from './event-source';
import { MedallionLakehouse } from './medallion-lakehouse';
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
}

/** The tags every AWS resource carries, set once as the provider's default tags. */
export function commonTags(cfg: StackConfig, ctx: DeployContext): Record<string, string> {
  return { project: ctx.projectName, stack: ctx.stackName, 'student-id': cfg.studentId, 'managed-by': 'pulumi' };
}

export interface Lakehouse {
  readonly provider: aws.Provider;
  readonly accountId: pulumi.Output<string>;
  readonly source: EventSource;
  readonly lakehouse: MedallionLakehouse;
  readonly pipeline: EtlPipeline;
  readonly queryLayer: QueryLayer;
  readonly databases: Readonly<Record<DatabaseLayer, string>>;
}

export function deployLakehouse(cfg: StackConfig, ctx: DeployContext): Lakehouse {
  const provider = new aws.Provider('aws', { region: ctx.region as aws.Region, defaultTags: { tags: commonTags(cfg, ctx) } });
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };

  const identity = aws.getCallerIdentityOutput({}, { provider });
  const accountId = identity.accountId;
  // arn:<partition>:sts::<account>:... gives the partition without another lookup.
  const partition = identity.arn.apply((arn) => arn.split(':')[1]);

  const role: RoleChoice =
    cfg.iamMode === 'labRole' ? { kind: 'existing', arn: aws.iam.getRoleOutput({ name: cfg.labRoleName }, { provider }).arn } : { kind: 'create' };

  const source = new EventSource(
    'source',
    {
      studentId: cfg.studentId,
      accountId,
      partition,
      existingBucketName: cfg.existingSourceBucket,
      retentionDays: cfg.sourceRetentionDays,
      destroyData: cfg.destroyData,
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
    { studentId: cfg.studentId, accountId, sourceBucketName: source.bucketName, destroyData: cfg.destroyData },
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
      alarmEmail: cfg.alarmEmail,
      job: {
        glueVersion: cfg.glueVersion,
        workerType: cfg.workerType,
        numberOfWorkers: cfg.numberOfWorkers,
        executionClass: cfg.executionClass,
        timeoutMinutes: cfg.jobTimeoutMinutes,
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
      destroyData: cfg.destroyData,
      queries: ctx.queries,
      queriesFile: ctx.queriesFile,
    },
    opts,
  );

  return { provider, accountId, source, lakehouse, pipeline, queryLayer, databases: lakehouse.databases };
}

/** The stack outputs: names, URIs, console links and ready-to-paste commands. */
export function stackOutputs(l: Lakehouse, region: string) {
  const console = (service: string, fragment: string) => `https://${region}.console.aws.amazon.com/${service}/home?region=${region}#${fragment}`;
  const bucketLink = (name: pulumi.Input<string>) => pulumi.interpolate`https://s3.console.aws.amazon.com/s3/buckets/${name}?region=${region}`;
  const exampleQuery = 'SELECT * FROM product_funnel ORDER BY event_date DESC LIMIT 10';
  return {
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
      runQuery: pulumi.interpolate`aws athena start-query-execution --region ${region} --work-group ${l.queryLayer.workgroupName} --query-execution-context Database=${l.databases.gold} --query-string "${exampleQuery}"`,
      invokeGenerator: l.source.function
        ? pulumi.interpolate`aws lambda invoke --region ${region} --function-name ${l.source.function.name} /dev/stdout`
        : undefined,
    },
  };
}
