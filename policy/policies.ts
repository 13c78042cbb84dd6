/**
 * The lakehouse's guardrails as @pulumi/policy policies.
 *
 * This module only DEFINES the policies; policy/index.ts constructs the PolicyPack. Keep it that
 * way: constructing a PolicyPack starts the analyzer gRPC server, so unit tests import this file
 * and call each policy's validation directly.
 *
 * Resource types and property names are those of @pulumi/aws v7, where a bucket's encryption,
 * public access block and policy are separate resources. A ResourceValidationPolicy sees one
 * resource at a time and so cannot notice a bucket that has NO companion resource at all; the
 * stack policies below look at every resource of the stack and close that gap.
 */
import * as aws from '@pulumi/aws';
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from '@pulumi/policy';

/** Bucket types a stack may declare (BucketV2 is v7's deprecated alias of Bucket). */
const BUCKET_TYPES: readonly string[] = ['aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2'];
const ENCRYPTION_TYPES: readonly string[] = [
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2',
];
const PUBLIC_ACCESS_BLOCK_TYPES: readonly string[] = ['aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock'];
const BUCKET_POLICY_TYPES: readonly string[] = ['aws:s3/bucketPolicy:BucketPolicy'];

/** S3 default-encryption algorithms (S3 API values of SSEAlgorithm). */
export const S3_SSE_ALGORITHMS: readonly string[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];
/**
 * Athena result encryption options that encrypt results. CSE_KMS is accepted too: it is
 * client-side encryption and still leaves no plaintext result object in S3.
 */
export const ATHENA_RESULT_ENCRYPTION: readonly string[] = ['SSE_S3', 'SSE_KMS', 'CSE_KMS'];
const PUBLIC_ACCESS_FLAGS = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const;

// ---------------------------------------------------------------------------------------------
// Resource policies: one resource's inputs at a time
// ---------------------------------------------------------------------------------------------

export const bucketEncryptionConfigured: ResourceValidationPolicy = {
  name: 's3-encryption-configuration-valid',
  description: `Bucket server-side encryption configurations apply a default algorithm (${S3_SSE_ALGORITHMS.join(', ')}) in every rule.`,
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.s3.BucketServerSideEncryptionConfiguration, (config, _args, reportViolation) => {
    const rules = config.rules ?? [];
    if (rules.length === 0) {
      reportViolation('Server-side encryption configuration has no rules: add one with applyServerSideEncryptionByDefault.');
      return;
    }
    rules.forEach((rule, i) => {
      const algorithm = rule.applyServerSideEncryptionByDefault?.sseAlgorithm;
      if (algorithm === undefined || !S3_SSE_ALGORITHMS.includes(algorithm)) {
        reportViolation(`Server-side encryption rule ${i} sets sseAlgorithm '${algorithm ?? '(none)'}': expected one of ${S3_SSE_ALGORITHMS.join(', ')}.`);
      }
    });
  }),
};

export const publicAccessBlocked: ResourceValidationPolicy = {
  name: 's3-public-access-block-all-true',
  description: 'Bucket public access blocks set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.s3.BucketPublicAccessBlock, (block, _args, reportViolation) => {
    // An omitted flag defaults to false in the S3 API, so only an explicit true passes.
    const notTrue = PUBLIC_ACCESS_FLAGS.filter((flag) => block[flag] !== true);
    if (notTrue.length > 0) {
      reportViolation(`Public access block leaves ${notTrue.join(', ')} not true: all four flags must be true.`);
    }
  }),
};

export const bucketPolicyTlsOnly: ResourceValidationPolicy = {
  name: 's3-bucket-policy-tls-only',
  description: 'Bucket policies deny every request made without TLS (Deny, Principal *, s3:*, Bool aws:SecureTransport false).',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.s3.BucketPolicy, (policy, _args, reportViolation) => {
    const parsed = parsePolicyDocument(policy.policy);
    if (typeof parsed === 'string') {
      reportViolation(`Bucket policy is not a readable policy document: ${parsed}.`);
      return;
    }
    if (!statementsOf(parsed).some(isTlsOnlyDeny)) {
      reportViolation(
        "Bucket policy has no statement denying insecure transport: add { Effect: 'Deny', Principal: '*', Action: 's3:*', " +
          "Condition: { Bool: { 'aws:SecureTransport': 'false' } } } on the bucket and its objects.",
      );
    }
  }),
};

export const glueJobBookmarksSingleRun: ResourceValidationPolicy = {
  name: 'glue-job-bookmarks-single-run',
  description: 'Glue jobs run incrementally: --job-bookmark-option job-bookmark-enable and executionProperty.maxConcurrentRuns 1.',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.glue.Job, (job, _args, reportViolation) => {
    const bookmark = job.defaultArguments?.['--job-bookmark-option'];
    if (bookmark !== 'job-bookmark-enable') {
      reportViolation(`Glue job sets --job-bookmark-option to '${bookmark ?? '(unset)'}': expected 'job-bookmark-enable' so a run reads only new files.`);
    }
    // Explicit 1 required: two concurrent runs would both see the same unprocessed files.
    const maxRuns = job.executionProperty?.maxConcurrentRuns;
    if (maxRuns !== 1) {
      reportViolation(`Glue job sets executionProperty.maxConcurrentRuns to ${maxRuns ?? '(unset)'}: expected exactly 1.`);
    }
  }),
};

export const athenaWorkgroupEnforcedEncrypted: ResourceValidationPolicy = {
  name: 'athena-workgroup-enforced-encrypted',
  description: `Athena workgroups enforce their configuration and encrypt query results (${ATHENA_RESULT_ENCRYPTION.join(', ')}).`,
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.athena.Workgroup, (workgroup, _args, reportViolation) => {
    const configuration = workgroup.configuration;
    // Stated explicitly rather than trusting the provider's default, so a client cannot override it.
    if (configuration?.enforceWorkgroupConfiguration !== true) {
      reportViolation(
        `Athena workgroup sets configuration.enforceWorkgroupConfiguration to ${configuration?.enforceWorkgroupConfiguration ?? '(unset)'}: expected true.`,
      );
    }
    const option = configuration?.resultConfiguration?.encryptionConfiguration?.encryptionOption;
    if (option === undefined || !ATHENA_RESULT_ENCRYPTION.includes(option)) {
      reportViolation(
        `Athena workgroup result encryption is '${option ?? '(none)'}': expected configuration.resultConfiguration.encryptionConfiguration.encryptionOption ` +
          `one of ${ATHENA_RESULT_ENCRYPTION.join(', ')}.`,
      );
    }
  }),
};

export const glueTablePartitionProjection: ResourceValidationPolicy = {
  name: 'glue-table-partition-projection',
  description: "Every Glue catalog table uses partition projection (parameters['projection.enabled'] = 'true'): no crawler or MSCK needed.",
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.glue.CatalogTable, (table, _args, reportViolation) => {
    const enabled = table.parameters?.['projection.enabled'];
    if (enabled !== 'true') {
      reportViolation(`Glue table '${table.name ?? '(unnamed)'}' sets projection.enabled to '${enabled ?? '(unset)'}': expected 'true'.`);
    }
  }),
};

// ---------------------------------------------------------------------------------------------
// Stack policies: every bucket must have its companion resources
// ---------------------------------------------------------------------------------------------

/** Reads a property that may be unknown during preview (the policy proxy throws on access). */
function knownProp(resource: PolicyResource, key: string): unknown {
  try {
    return resource.props[key];
  } catch {
    return undefined;
  }
}

/**
 * Whether `companion` is attached to `bucket`: by dependency (known even during preview, when
 * the bucket's name may still be unknown) or by the bucket name/id its `bucket` property holds.
 */
export function attachesTo(companion: PolicyResource, bucket: PolicyResource): boolean {
  if ((companion.propertyDependencies?.['bucket'] ?? []).some((dep) => dep.urn === bucket.urn)) return true;
  const ref = knownProp(companion, 'bucket');
  if (typeof ref !== 'string' || ref === '') return false;
  return ref === knownProp(bucket, 'bucket') || ref === knownProp(bucket, 'id');
}

/**
 * A stack policy: every S3 bucket has a companion resource of one of `companionTypes` attached.
 * A stack policy, not a resource policy, because only the whole stack shows a missing resource.
 */
function everyBucketHas(name: string, description: string, companionTypes: readonly string[], what: string): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: 'mandatory',
    validateStack: (args, reportViolation) => {
      const companions = args.resources.filter((r) => companionTypes.includes(r.type));
      for (const bucket of args.resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
        if (!companions.some((c) => attachesTo(c, bucket))) reportViolation(`S3 bucket '${bucket.name}' has no ${what}.`, bucket.urn);
      }
    },
  };
}

// S3 reports SSE-S3 on every bucket's own outputs since 2023, so only the explicit resource counts.
export const everyBucketEncrypted = everyBucketHas(
  's3-every-bucket-encrypted',
  'Every S3 bucket has an aws.s3.BucketServerSideEncryptionConfiguration.',
  ENCRYPTION_TYPES,
  'aws.s3.BucketServerSideEncryptionConfiguration (default encryption)',
);

export const everyBucketPublicAccessBlocked = everyBucketHas(
  's3-every-bucket-public-access-blocked',
  'Every S3 bucket has an aws.s3.BucketPublicAccessBlock.',
  PUBLIC_ACCESS_BLOCK_TYPES,
  'aws.s3.BucketPublicAccessBlock',
);

export const everyBucketTlsOnly = everyBucketHas(
  's3-every-bucket-tls-only',
  'Every S3 bucket has an aws.s3.BucketPolicy (which s3-bucket-policy-tls-only checks denies non-TLS requests).',
  BUCKET_POLICY_TYPES,
  'aws.s3.BucketPolicy (TLS-only)',
);

/** Every policy of the pack, in the order they are reported. */
export const POLICIES: ReadonlyArray<ResourceValidationPolicy | StackValidationPolicy> = [
  bucketEncryptionConfigured,
  publicAccessBlocked,
  bucketPolicyTlsOnly,
  glueJobBookmarksSingleRun,
  athenaWorkgroupEnforcedEncrypted,
  glueTablePartitionProjection,
  everyBucketEncrypted,
  everyBucketPublicAccessBlocked,
  everyBucketTlsOnly,
];

// ---------------------------------------------------------------------------------------------
// Policy document helpers
// ---------------------------------------------------------------------------------------------

interface PolicyStatement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

/** The policy document as an object, or a reason why it is not one. */
export function parsePolicyDocument(policy: unknown): { Statement?: unknown } | string {
  if (typeof policy === 'string') {
    try {
      const parsed: unknown = JSON.parse(policy);
      return typeof parsed === 'object' && parsed !== null ? (parsed as { Statement?: unknown }) : 'the JSON is not an object';
    } catch (err) {
      return `invalid JSON (${(err as Error).message})`;
    }
  }
  if (typeof policy === 'object' && policy !== null) return policy as { Statement?: unknown };
  return `expected a JSON string or an object, got ${typeof policy}`;
}

function statementsOf(doc: { Statement?: unknown }): PolicyStatement[] {
  const statement = doc.Statement;
  if (Array.isArray(statement)) return statement.filter((s): s is PolicyStatement => typeof s === 'object' && s !== null);
  return typeof statement === 'object' && statement !== null ? [statement as PolicyStatement] : [];
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal === 'object' && principal !== null) {
    return asList((principal as Record<string, unknown>)['AWS']).includes('*');
  }
  return false;
}

function isTlsOnlyDeny(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Deny' || !isEveryone(statement.Principal)) return false;
  if (!asList(statement.Action).includes('s3:*')) return false;
  const bool = (statement.Condition as { Bool?: Record<string, unknown> } | undefined)?.Bool;
  const secure = bool?.['aws:SecureTransport'];
  return asList(secure).some((v) => v === 'false' || v === false);
}
