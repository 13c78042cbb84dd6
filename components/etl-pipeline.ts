/**
 * EtlPipeline: the Glue job that turns raw files into bronze, silver, quarantine and gold.
 *
 * - uploads the job's code to s3://<analytics>/etl/<code version>/: glue/job.py (the script),
 *   the other glue/*.py modules (passed with --extra-py-files), manifest.json, tables.json
 *   (rendered from etl/schema.ts) and every SQL file the manifest names. The version is the
 *   content hash of the whole bundle, so a run reads one version whole: an upload of new code
 *   writes new keys and never changes the files a running job is reading;
 * - the Glue job (glueetl, Python 3, bookmarks on, one run at a time with further runs queued,
 *   metrics on) with every path and database as a job argument: nothing in the code names an
 *   account, bucket or database;
 * - the EtlStarter (or nothing when the schedule is off): a scheduled check that starts the
 *   job only when new source files have landed;
 * - failed-run alerting (see the comment above the rule for why it is built this way).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ETL_DIR, Manifest, sqlFiles, validateManifest } from '../etl/manifest';
import { DatabaseLayer, tablesDocument } from '../etl/schema';
import { EtlStarter } from './etl-starter';
import { names } from './naming';
import { gluePolicy, RoleChoice, roleArnFor } from './roles';
import { componentType, withFormerTypes } from './resource-types';

export const METRICS_NAMESPACE = 'Lakehouse/ETL';
/**
 * States of Glue's "Glue Job State Change" event that mean a run did not complete. The event
 * reports SUCCEEDED, FAILED, TIMEOUT and STOPPED; STOPPED is a person's decision, not a failure.
 */
export const FAILED_RUN_STATES = ['FAILED', 'TIMEOUT'] as const;

/** The first Glue version whose jobs log to CloudWatch in real time without a flag. */
const REAL_TIME_LOGGING_GLUE_VERSION = 5;

/** Log group of the driver's standard output (the run-report line): Glue 5.0 and later write it here. */
export function driverOutputLogGroup(glueVersion: string): string {
  return Number(glueVersion) >= REAL_TIME_LOGGING_GLUE_VERSION ? '/aws-glue/jobs/output' : '/aws-glue/jobs/logs-v2';
}

/** Folder of one code version in the analytics bucket, e.g. `etl/3f2a.../`. */
export function codePrefix(version: string): string {
  return `etl/${version}/`;
}

/** One object of the job's code bundle: its key in the analytics bucket and its content. */
export interface CodeObject {
  readonly key: string;
  /** Absolute path of a local file, or inline content. */
  readonly file?: string;
  readonly content?: string;
  readonly contentType: string;
}

/**
 * Everything the job needs under etl/, read at deploy time from `etlDir`. Fails, naming the
 * file, when the script or a SQL file the manifest names is missing.
 */
export function etlCodeObjects(etlDir: string = ETL_DIR): CodeObject[] {
  const manifestFile = path.join(etlDir, 'manifest.json');
  const manifest = validateManifest(JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest);
  const glueDir = path.join(etlDir, 'glue');
  const script = path.join(glueDir, 'job.py');
  if (!fs.existsSync(script)) throw new Error(`EtlPipeline: Glue script '${script}' not found; expected etl/glue/job.py`);
  const modules = fs
    .readdirSync(glueDir)
    .filter((f) => f.endsWith('.py') && f !== 'job.py')
    .sort();

  const objects: CodeObject[] = [
    { key: 'etl/glue/job.py', file: script, contentType: 'text/x-python' },
    ...modules.map((m) => ({ key: `etl/glue/${m}`, file: path.join(glueDir, m), contentType: 'text/x-python' })),
    { key: 'etl/manifest.json', file: manifestFile, contentType: 'application/json' },
    { key: 'etl/tables.json', content: JSON.stringify(tablesDocument(), null, 2), contentType: 'application/json' },
  ];
  for (const sql of sqlFiles(manifest)) {
    const file = path.join(etlDir, sql);
    if (!fs.existsSync(file)) throw new Error(`EtlPipeline: SQL file '${file}' named by ${manifestFile} not found`);
    objects.push({ key: `etl/${sql.split(path.sep).join('/')}`, file, contentType: 'text/plain' });
  }
  return objects;
}

/** Content hash of the whole code bundle (keys and bytes), 16 hex digits. */
export function codeVersion(objects: readonly CodeObject[]): string {
  const hash = crypto.createHash('sha256');
  for (const o of [...objects].sort((a, b) => a.key.localeCompare(b.key))) {
    hash
      .update(o.key)
      .update('\0')
      .update(o.file !== undefined ? fs.readFileSync(o.file) : (o.content ?? ''))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export interface GlueJobSettings {
  /** @default '5.0' */
  readonly glueVersion?: string;
  /** @default 'G.1X' */
  readonly workerType?: string;
  /** @default 2 */
  readonly numberOfWorkers?: number;
  /** @default 'STANDARD' */
  readonly executionClass?: 'STANDARD' | 'FLEX';
  /** Minutes before Glue stops a run. @default 60 */
  readonly timeoutMinutes?: number;
  /**
   * The most new source files one run takes (the job's --max_files, Glue's boundedFiles on the
   * bookmarked read): a first run over weeks of files, or a backlog after the generator ran
   * while the job did not, is worked off run by run, each within the timeout.
   * @default 24 (two hours of the generator's files)
   */
  readonly maxFilesPerRun?: number;
  /**
   * Schedule (EventBridge cron or rate expression) on which the EtlStarter checks for new
   * source files; undefined deploys no starter (runs start by hand).
   * @default undefined
   */
  readonly schedule?: string;
}

export interface EtlPipelineArgs {
  readonly studentId: string;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  readonly sourceBucketName: pulumi.Input<string>;
  readonly analyticsBucketName: pulumi.Input<string>;
  readonly databases: Readonly<Record<DatabaseLayer, string>>;
  /** Role of the job: an existing one (LabRole) or a least-privilege role created here. */
  readonly role: RoleChoice;
  readonly job?: GlueJobSettings;
  /**
   * Folder holding manifest.json, glue/*.py and the SQL files.
   * @default etl/ of this repository
   */
  readonly etlDir?: string;
  /**
   * E-mail address subscribed to failed-run notifications (must be confirmed by its owner).
   * @default undefined (no subscription; the topic and alarm still exist)
   */
  readonly alarmEmail?: string;
  /**
   * Code of the ETL starter Lambda; tests inject a stub archive instead of bundling.
   * @default bundleStarter() at deploy time
   */
  readonly starterCode?: pulumi.asset.Archive;
}

export class EtlPipeline extends pulumi.ComponentResource {
  public readonly job: aws.glue.Job;
  public readonly jobName: pulumi.Output<string>;
  public readonly codeObjects: ReadonlyArray<aws.s3.BucketObjectv2>;
  public readonly codeVersion: string;
  /** Undefined when the schedule is off (runs start by hand). */
  public readonly starter?: EtlStarter;
  /** CloudWatch Logs group holding the driver's output (the run-report line) of this job's Glue version. */
  public readonly driverLogGroup: string;
  public readonly failureTopic: aws.sns.Topic;
  public readonly failureAlarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: EtlPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('EtlPipeline'), name, {}, withFormerTypes('EtlPipeline', opts));
    const objects = etlCodeObjects(args.etlDir ?? ETL_DIR);
    this.codeVersion = codeVersion(objects);
    this.codeObjects = this.uploadCode(name, args, objects);
    const glueVersion = args.job?.glueVersion ?? '5.0';
    this.driverLogGroup = driverOutputLogGroup(glueVersion);
    this.job = this.createJob(name, args, objects, glueVersion);
    this.jobName = this.job.name;
    if (args.job?.schedule !== undefined) this.starter = this.createStarter(name, args, args.job.schedule);
    const alerting = this.createFailureAlerting(name, args);
    this.failureTopic = alerting.topic;
    this.failureAlarm = alerting.alarm;
    this.registerOutputs({ jobName: this.jobName, codeVersion: this.codeVersion, failureTopicArn: this.failureTopic.arn });
  }

  /** The ETL code under a prefix named by its content hash (etl/<version>/...). */
  private uploadCode(name: string, args: EtlPipelineArgs, objects: ReturnType<typeof etlCodeObjects>): aws.s3.BucketObjectv2[] {
    const bucket = args.analyticsBucketName;
    // The resource names stay those of the unversioned keys, so a new version replaces each
    // object (a new key) instead of adding resources. The replaced objects are retained, not
    // deleted: a run that started on the previous version keeps reading that version whole.
    // Each version is a few tens of kilobytes; docs/operations.md says how to prune old ones.
    return objects.map(
      (o) =>
        new aws.s3.BucketObjectv2(
          `${name}-${o.key.replace(/[/.]/g, '-')}`,
          {
            bucket,
            key: this.versioned(o.key),
            contentType: o.contentType,
            ...(o.file !== undefined ? { source: new pulumi.asset.FileAsset(o.file) } : { content: o.content }),
          },
          { parent: this, retainOnDelete: true },
        ),
    );
  }

  private versioned(key: string): string {
    return `${codePrefix(this.codeVersion)}${key.slice('etl/'.length)}`;
  }

  /** The Glue job and its role: runs etl/glue/job.py on the uploaded code version. */
  private createJob(name: string, args: EtlPipelineArgs, objects: ReturnType<typeof etlCodeObjects>, glueVersion: string): aws.glue.Job {
    const settings = args.job ?? {};
    const bucket = args.analyticsBucketName;
    const roleArn = roleArnFor(args.role, {
      name: `${name}-glue`,
      roleName: names.glueRole(args.studentId),
      service: 'glue.amazonaws.com',
      parent: this,
      policy: pulumi
        .all([args.partition, args.region, args.accountId, args.sourceBucketName, bucket])
        .apply(([partition, region, accountId, sourceBucket, analyticsBucket]) =>
          JSON.stringify(
            gluePolicy({
              partition,
              region,
              accountId,
              sourceBucket,
              analyticsBucket,
              databases: Object.values(args.databases),
              metricsNamespace: METRICS_NAMESPACE,
            }),
          ),
        ),
    });

    const s3 = (key: string) => pulumi.interpolate`s3://${bucket}/${key}`;
    const extraPyFiles = objects.filter((o) => o.key.startsWith('etl/glue/') && o.key !== 'etl/glue/job.py').map((o) => this.versioned(o.key));
    const jobName = names.glueJob(args.studentId);
    // Glue 5.0 logs in real time by itself and documents --enable-continuous-cloudwatch-log for
    // 4.0 and earlier only; older versions still need the flag to log while a run is going.
    const continuousLogFlag: Record<string, string> =
      Number(glueVersion) >= REAL_TIME_LOGGING_GLUE_VERSION ? {} : { '--enable-continuous-cloudwatch-log': 'true' };

    return new aws.glue.Job(
      `${name}-job`,
      {
        name: jobName,
        description: 'Medallion ETL: source events -> bronze, silver, quarantine, gold (etl/manifest.json)',
        roleArn,
        glueVersion,
        command: { name: 'glueetl', pythonVersion: '3', scriptLocation: s3(this.versioned('etl/glue/job.py')) },
        workerType: settings.workerType ?? 'G.1X',
        numberOfWorkers: settings.numberOfWorkers ?? 2,
        executionClass: settings.executionClass ?? 'STANDARD',
        timeout: settings.timeoutMinutes ?? 60,
        // A failed incremental run is safe to re-run, but a silent automatic retry would hide
        // the failure from the alarm; the next scheduled run picks up the same files anyway.
        maxRetries: 0,
        // One run at a time (runs merge into the same partitions); a start request while a run
        // is going waits in the queue (state WAITING) instead of ending FAILED with "max
        // concurrent runs exceeded", which would fire the failure alarm during any backlog.
        executionProperty: { maxConcurrentRuns: 1 },
        jobRunQueuingEnabled: true,
        defaultArguments: {
          '--source_path': pulumi.interpolate`s3://${args.sourceBucketName}/events/`,
          '--lake_path': s3(''),
          '--etl_path': s3(codePrefix(this.codeVersion)),
          '--bronze_database': args.databases.bronze,
          '--silver_database': args.databases.silver,
          '--gold_database': args.databases.gold,
          '--metrics_namespace': METRICS_NAMESPACE,
          '--job-bookmark-option': 'job-bookmark-enable',
          '--max_files': String(settings.maxFilesPerRun ?? 24),
          '--TempDir': s3('glue-temp/'),
          '--enable-metrics': 'true',
          ...continuousLogFlag,
          '--enable-job-insights': 'true',
          // Also part of every code path above; as its own argument it says in each run's
          // arguments which code the run read.
          '--code_version': this.codeVersion,
          ...(extraPyFiles.length > 0 ? { '--extra-py-files': pulumi.all(extraPyFiles.map((k) => s3(k))).apply((uris) => uris.join(',')) } : {}),
        },
      },
      // The job must not run (or be triggered) against code that is still uploading.
      { parent: this, dependsOn: [...this.codeObjects] },
    );
  }

  /** The Lambda that starts the job on a schedule when new source files have landed. */
  private createStarter(name: string, args: EtlPipelineArgs, schedule: string): EtlStarter {
    return new EtlStarter(
      `${name}-starter`,
      {
        studentId: args.studentId,
        accountId: args.accountId,
        region: args.region,
        partition: args.partition,
        jobName: this.job.name,
        sourceBucketName: args.sourceBucketName,
        schedule,
        role: args.role,
        code: args.starterCode,
      },
      { parent: this },
    );
  }

  /** A failed or timed-out run notifies an SNS topic and sets an alarm. */
  private createFailureAlerting(name: string, args: EtlPipelineArgs): { topic: aws.sns.Topic; alarm: aws.cloudwatch.MetricAlarm } {
    const jobName = names.glueJob(args.studentId);
    // Failed-run alerting. What really signals a failed RUN is Glue's own "Glue Job State
    // Change" event with state FAILED or TIMEOUT: it fires once per run, also when the
    // script dies before Spark starts a task. glue.driver.aggregate.numFailedTasks counts failed
    // Spark tasks instead: a run can fail with zero failed tasks (bad argument, import error),
    // and a run can succeed after retried tasks, so alarming on it would both miss and invent
    // failures. The rule notifies the SNS topic with the event (run id, error message); the
    // CloudWatch alarm on the rule's MatchedEvents gives the failure a state on the dashboard.
    const ruleName = names.etlFailureRule(args.studentId);
    const failedRuns = new aws.cloudwatch.EventRule(
      `${name}-failed-runs`,
      {
        name: ruleName,
        description: `Runs of ${jobName} that ended ${FAILED_RUN_STATES.join('/')}`,
        eventPattern: JSON.stringify({
          source: ['aws.glue'],
          'detail-type': ['Glue Job State Change'],
          detail: { jobName: [jobName], state: [...FAILED_RUN_STATES] },
        }),
      },
      { parent: this },
    );
    const topic = new aws.sns.Topic(`${name}-failed-runs`, { name: names.etlFailureTopic(args.studentId) }, { parent: this });
    const topicPolicy = new aws.sns.TopicPolicy(
      `${name}-failed-runs`,
      {
        arn: topic.arn,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'EventBridgePublishesFailedRuns',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topic.arn,
              Condition: { ArnEquals: { 'aws:SourceArn': failedRuns.arn } },
            },
          ],
        }),
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-failed-runs`, { rule: failedRuns.name, arn: topic.arn }, { parent: this, dependsOn: [topicPolicy] });
    if (args.alarmEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-failed-runs-email`, { topic: topic.arn, protocol: 'email', endpoint: args.alarmEmail }, { parent: this });
    }
    const alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-failed-runs`,
      {
        name: names.etlFailureAlarm(args.studentId),
        alarmDescription: `A run of Glue job ${jobName} failed, timed out or errored (EventBridge rule ${ruleName})`,
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensions: { RuleName: failedRuns.name },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No matched event in a period means no failed run, not missing data.
        treatMissingData: 'notBreaching',
      },
      { parent: this },
    );
    return { topic, alarm };
  }
}
