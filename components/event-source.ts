/**
 * EventSource: where raw events land.
 *
 * - the source bucket `capstone-events-<studentId>-<accountId>` (SecureBucket protections;
 *   lifecycle: raw files expire after `retentionDays`, noncurrent versions expire, incomplete
 *   multipart uploads are aborted), or an existing bucket (the course starter's), which this
 *   component then neither creates nor manages;
 * - the generator Lambda (Node.js 22, bundled with esbuild from generator/lambda.ts), its log
 *   group, an EventBridge schedule and the permission that lets EventBridge invoke it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as path from 'path';
import { bundleLambda } from './lambda-bundle';
import { bucketName, names, plainBucketName } from './naming';
import { generatorPolicy, RoleChoice, roleArnFor } from './roles';
import { SecureBucket } from './secure-bucket';
import { componentType, withFormerTypes } from './resource-types';

/** The generator's Lambda entry point (helper "generator" owns it). */
export const GENERATOR_ENTRY = path.join(__dirname, '..', 'generator', 'lambda.ts');

/** The generator's code: its handler bundled with its dependencies (components/lambda-bundle.ts). */
export function bundleGenerator(entry: string = GENERATOR_ENTRY): pulumi.asset.AssetArchive {
  return bundleLambda(entry, 'generator');
}

export interface GeneratorSettings {
  /**
   * Deploy the generator Lambda and its schedule.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * EventBridge schedule expression.
   * @default 'rate(5 minutes)'
   */
  readonly schedule?: string;
  /** @default 500000 */
  readonly minEvents?: number;
  /** @default 750000 */
  readonly maxEvents?: number;
  /** @default 0 (the starter emits no duplicates) */
  readonly duplicateRate?: number;
  /**
   * Lambda memory (MB). gzip is CPU-bound and Lambda's CPU share grows with memory: 1769 MB is
   * one full vCPU. The generator benchmark (docs/generator.md) measured ~2 CPU-seconds and a
   * ~130 MiB peak for 750,000 events, so memory is for CPU, not for data.
   * @default 1769
   */
  readonly memoryMb?: number;
  /**
   * Well above the ~3 s a 750,000-event file takes at one vCPU, and far below the 5-minute
   * schedule, so a stuck invocation never overlaps the next one.
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Code of the function; tests inject a stub archive instead of bundling.
   * @default bundleGenerator() at deploy time
   */
  readonly code?: pulumi.asset.Archive;
}

export interface EventSourceArgs {
  readonly studentId: string;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  /**
   * Name of an existing bucket to use instead of creating one (its lifecycle is left alone).
   * @default undefined (the bucket is created)
   */
  readonly existingBucketName?: string;
  /**
   * Days before raw files in the created bucket expire.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Days before noncurrent versions in the created bucket expire.
   * @default 7
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Delete the created bucket with its data on `pulumi destroy`.
   * @default false
   */
  readonly destroyData?: boolean;
  /**
   * Adopt the created bucket's name as an existing bucket of this account (kept by an earlier
   * destroy) instead of creating it; components/kept-buckets.ts decides.
   * @default false
   */
  readonly adoptExistingBucket?: boolean;
  /** Role of the Lambda: an existing one (LabRole) or a least-privilege role created here. */
  readonly role: RoleChoice;
  readonly generator?: GeneratorSettings;
  /**
   * Days the Lambda's logs are kept.
   * @default 14
   */
  readonly logRetentionDays?: number;
}

export class EventSource extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  /** Undefined in existing-bucket mode. */
  public readonly bucket?: SecureBucket;
  public readonly function?: aws.lambda.Function;
  public readonly schedule?: aws.cloudwatch.EventRule;

  constructor(name: string, args: EventSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('EventSource'), name, {}, withFormerTypes('EventSource', opts));

    if (args.existingBucketName !== undefined) {
      this.bucketName = pulumi.output(args.existingBucketName);
    } else {
      this.bucket = new SecureBucket(
        `${name}-bucket`,
        {
          bucketName: pulumi.output(args.accountId).apply((account) => bucketName('source', args.studentId, account)),
          destroyData: args.destroyData ?? false,
          adoptExisting: args.adoptExistingBucket === true ? plainBucketName('source', args.studentId, args.accountId) : undefined,
          lifecycleRules: [
            { id: 'expire-raw-events', status: 'Enabled', filter: { prefix: 'events/' }, expiration: { days: args.retentionDays ?? 30 } },
            {
              id: 'expire-noncurrent-versions-and-incomplete-uploads',
              status: 'Enabled',
              filter: { prefix: '' },
              noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 7 },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
          ],
        },
        { parent: this },
      );
      this.bucketName = this.bucket.bucketName;
    }

    const gen = args.generator ?? {};
    if (gen.enabled ?? true) {
      const functionName = names.generatorFunction(args.studentId);
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-generator-logs`,
        { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays ?? 14 },
        { parent: this },
      );
      const policy = pulumi
        .all([args.partition, this.bucketName, logGroup.arn])
        .apply(([partition, sourceBucket, logGroupArn]) => JSON.stringify(generatorPolicy({ partition, sourceBucket, logGroupArn })));
      const roleArn = roleArnFor(args.role, {
        name: `${name}-generator`,
        roleName: names.lambdaRole(args.studentId),
        service: 'lambda.amazonaws.com',
        policy,
        parent: this,
      });

      this.function = new aws.lambda.Function(
        `${name}-generator`,
        {
          name: functionName,
          description: 'Writes one gzipped JSON Lines file of synthetic clickstream events per invocation',
          runtime: aws.lambda.Runtime.NodeJS22dX,
          handler: 'index.handler',
          code: gen.code ?? bundleGenerator(),
          role: roleArn,
          memorySize: gen.memoryMb ?? 1769,
          timeout: gen.timeoutSeconds ?? 60,
          loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
          environment: {
            variables: {
              SOURCE_BUCKET: this.bucketName,
              MIN_EVENTS: String(gen.minEvents ?? 500000),
              MAX_EVENTS: String(gen.maxEvents ?? 750000),
              DUPLICATE_RATE: String(gen.duplicateRate ?? 0),
            },
          },
        },
        { parent: this },
      );

      this.schedule = new aws.cloudwatch.EventRule(
        `${name}-generator-schedule`,
        { name: names.generatorSchedule(args.studentId), description: 'Invokes the event generator', scheduleExpression: gen.schedule ?? 'rate(5 minutes)' },
        { parent: this },
      );
      const permission = new aws.lambda.Permission(
        `${name}-generator-invoke`,
        { action: 'lambda:InvokeFunction', function: this.function.name, principal: 'events.amazonaws.com', sourceArn: this.schedule.arn },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-generator-target`,
        { rule: this.schedule.name, arn: this.function.arn },
        { parent: this, dependsOn: [permission] },
      );
    }

    this.registerOutputs({ bucketName: this.bucketName, functionName: this.function?.name });
  }
}
