/**
 * EtlStarter: starts the Glue job on a schedule, but only when new source files have landed.
 *
 * A Glue trigger would start a billed run (one-minute minimum) on every tick, also when the
 * generator is off and nothing has arrived. Instead an EventBridge schedule invokes a small
 * Lambda (components/etl-starter-handler.ts) that asks Glue for the job's recent runs and S3 for
 * objects newer than the last successful run, and calls StartJobRun only when there are some
 * and no run is in flight. docs/operations.md explains the choice and the idle cost.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as path from 'path';
import { bundleLambda } from './lambda-bundle';
import { componentType, withFormerTypes } from './resource-types';
import { names } from './naming';
import { PolicyDocument, RoleChoice, roleArnFor } from './roles';

/** The starter's Lambda entry point. */
export const STARTER_ENTRY = path.join(__dirname, 'etl-starter-handler.ts');

/** The starter's code: its handler bundled with its SDK clients (components/lambda-bundle.ts). */
export function bundleStarter(entry: string = STARTER_ENTRY): pulumi.asset.AssetArchive {
  return bundleLambda(entry, 'etl starter');
}

/** Least privilege of the starter: read the job's runs, start it, list the source prefix, its own logs. */
export function starterPolicy(p: {
  partition: string;
  region: string;
  accountId: string;
  jobName: string;
  sourceBucket: string;
  sourcePrefix: string;
  logGroupArn: string;
}): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'InspectAndStartTheJob',
        Effect: 'Allow',
        Action: ['glue:GetJobRuns', 'glue:StartJobRun'],
        Resource: `arn:${p.partition}:glue:${p.region}:${p.accountId}:job/${p.jobName}`,
      },
      {
        Sid: 'ListSourceFiles',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: `arn:${p.partition}:s3:::${p.sourceBucket}`,
        Condition: { StringLike: { 's3:prefix': [`${p.sourcePrefix}*`] } },
      },
      { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${p.logGroupArn}:*` },
    ],
  };
}

export interface EtlStarterArgs {
  readonly studentId: string;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  readonly jobName: pulumi.Input<string>;
  readonly sourceBucketName: pulumi.Input<string>;
  /** EventBridge schedule expression of the checks, e.g. `cron(0/15 * * * ? *)`. */
  readonly schedule: string;
  readonly role: RoleChoice;
  /**
   * Prefix of the source files.
   * @default 'events/'
   */
  readonly sourcePrefix?: string;
  /**
   * Days the starter's logs are kept.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * Code of the function; tests inject a stub archive instead of bundling.
   * @default bundleStarter() at deploy time
   */
  readonly code?: pulumi.asset.Archive;
}

export class EtlStarter extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly schedule: aws.cloudwatch.EventRule;

  constructor(name: string, args: EtlStarterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('EtlStarter'), name, {}, withFormerTypes('EtlStarter', opts));
    const sourcePrefix = args.sourcePrefix ?? 'events/';
    const functionName = names.etlStarterFunction(args.studentId);

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays ?? 14 },
      { parent: this },
    );
    const roleArn = roleArnFor(args.role, {
      name,
      roleName: names.etlStarterRole(args.studentId),
      service: 'lambda.amazonaws.com',
      parent: this,
      policy: pulumi
        .all([args.partition, args.region, args.accountId, args.jobName, args.sourceBucketName, logGroup.arn])
        .apply(([partition, region, accountId, jobName, sourceBucket, logGroupArn]) =>
          JSON.stringify(starterPolicy({ partition, region, accountId, jobName, sourceBucket, sourcePrefix, logGroupArn })),
        ),
    });

    this.function = new aws.lambda.Function(
      name,
      {
        name: functionName,
        description: 'Starts the Glue ETL job when new source files have landed since its last successful run',
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: 'index.handler',
        code: args.code ?? bundleStarter(),
        role: roleArn,
        memorySize: 256,
        timeout: 60,
        loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
        environment: { variables: { JOB_NAME: args.jobName, SOURCE_BUCKET: args.sourceBucketName, SOURCE_PREFIX: sourcePrefix } },
      },
      { parent: this },
    );

    this.schedule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { name: names.etlStarterSchedule(args.studentId), description: 'Checks for new source files and starts the ETL job', scheduleExpression: args.schedule },
      { parent: this },
    );
    const permission = new aws.lambda.Permission(
      `${name}-invoke`,
      { action: 'lambda:InvokeFunction', function: this.function.name, principal: 'events.amazonaws.com', sourceArn: this.schedule.arn },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-target`, { rule: this.schedule.name, arn: this.function.arn }, { parent: this, dependsOn: [permission] });

    this.registerOutputs({ functionName: this.function.name });
  }
}
