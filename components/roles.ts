/**
 * IAM for the two compute services, in one of two modes:
 *
 * - `existing` (config iamMode=labRole): an existing role (AWS Academy's LabRole) is looked up
 *   by the caller with `aws.iam.getRoleOutput` (a data source) and no aws:iam resource is created:
 *   Academy accounts are not allowed to create IAM roles.
 * - `create`: one least-privilege role per service; every statement names this stack's buckets,
 *   prefixes, Glue databases and log groups. The only `"*"` resource is cloudwatch:PutMetricData,
 *   which AWS does not scope by resource: a `cloudwatch:namespace` condition scopes it instead.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export type RoleChoice = { readonly kind: 'existing'; readonly arn: pulumi.Input<string> } | { readonly kind: 'create' };

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

const doc = (Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

/** Trust policy letting one AWS service assume the role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

export interface Scope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** Generator Lambda: write gzipped files under events/ of the source bucket and its own logs. */
export function generatorPolicy(p: { partition: string; sourceBucket: string; logGroupArn: string }): PolicyDocument {
  return doc([
    {
      Sid: 'WriteSourceEvents',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: `arn:${p.partition}:s3:::${p.sourceBucket}/events/*`,
    },
    { Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${p.logGroupArn}:*` },
  ]);
}

/** Glue ETL job: read source events, read code, read/write the lake prefixes, its catalog, its logs. */
export function gluePolicy(
  p: Scope & { sourceBucket: string; analyticsBucket: string; databases: readonly string[]; metricsNamespace: string },
): PolicyDocument {
  const s3 = (bucket: string, key = '') => `arn:${p.partition}:s3:::${bucket}${key}`;
  const glue = (what: string) => `arn:${p.partition}:glue:${p.region}:${p.accountId}:${what}`;
  // _state/ holds the run's write journal (etl/glue/write_journal.py): written before every
  // write, deleted at the commit, read and repaired by the next run.
  const lakePrefixes = ['bronze/', 'silver/', 'quarantine/', 'gold/', 'glue-temp/', '_state/'];
  return doc([
    // Spark lists folders and probes keys before reading; without ListBucket a missing key is
    // a 403 instead of a 404. Listing is scoped to the two buckets of this stack.
    { Sid: 'ListStackBuckets', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [s3(p.sourceBucket), s3(p.analyticsBucket)] },
    { Sid: 'ReadSourceEvents', Effect: 'Allow', Action: ['s3:GetObject'], Resource: s3(p.sourceBucket, '/events/*') },
    { Sid: 'ReadEtlCode', Effect: 'Allow', Action: ['s3:GetObject'], Resource: s3(p.analyticsBucket, '/etl/*') },
    {
      Sid: 'ReadWriteLake',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: lakePrefixes.map((prefix) => s3(p.analyticsBucket, `/${prefix}*`)),
    },
    {
      Sid: 'OwnCatalog',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      Resource: [glue('catalog'), ...p.databases.map((d) => glue(`database/${d}`)), ...p.databases.map((d) => glue(`table/${d}/*`))],
    },
    {
      Sid: 'GlueLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `arn:${p.partition}:logs:${p.region}:${p.accountId}:log-group:/aws-glue/*`,
    },
    {
      // PutMetricData has no resource-level permissions; the namespace condition is the scope.
      // `Glue` is the namespace of the built-in job metrics (--enable-metrics).
      Sid: 'PublishJobMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': [p.metricsNamespace, 'Glue'] } },
    },
  ]);
}

/**
 * Creates a role for `service` with one inline policy, or returns the existing role's ARN.
 * Children are created under `parent` so they belong to the component that needs them.
 */
export function roleArnFor(
  choice: RoleChoice,
  p: { name: string; roleName: string; service: string; policy: pulumi.Input<string>; parent: pulumi.Resource },
): pulumi.Output<string> {
  if (choice.kind === 'existing') return pulumi.output(choice.arn);
  const role = new aws.iam.Role(
    `${p.name}-role`,
    { name: p.roleName, assumeRolePolicy: assumeRolePolicy(p.service), description: `Least-privilege role of ${p.roleName}` },
    { parent: p.parent },
  );
  const policy = new aws.iam.RolePolicy(`${p.name}-policy`, { role: role.id, name: 'least-privilege', policy: p.policy }, { parent: p.parent });
  // Consumers must not start before the policy is attached, so the ARN waits for it.
  return pulumi.all([role.arn, policy.id]).apply(([arn]) => arn);
}
