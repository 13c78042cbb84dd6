/**
 * The policy pack's rules, called the way the analyzer calls them: each policy's validation with
 * an args object shaped like @pulumi/policy's ResourceValidationArgs / StackValidationArgs.
 * policy/index.ts is never imported (constructing a PolicyPack starts a gRPC server).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
import {
  POLICIES,
  athenaWorkgroupEnforcedEncrypted,
  bucketEncryptionConfigured,
  bucketPolicyTlsOnly,
  everyBucketEncrypted,
  everyBucketPublicAccessBlocked,
  everyBucketTlsOnly,
  glueJobBookmarksSingleRun,
  glueTablePartitionProjection,
  publicAccessBlocked,
} from '../../policy/policies';
import { loadStackConfig } from '../../components/config';
import { deployLakehouse } from '../../components/lakehouse-stack';
import { installMocks, RecordedResource } from '../helpers/pulumi-mocks';
import { makeFixture } from '../helpers/lakehouse-fixtures';
import * as pulumi from '@pulumi/pulumi';

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  sse: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  pab: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  glueJob: 'aws:glue/job:Job',
  table: 'aws:glue/catalogTable:CatalogTable',
  workgroup: 'aws:athena/workgroup:Workgroup',
};

/** Thrown by the fake `notApplicable`, as the real one throws to leave the policy. */
class NotApplicable extends Error {}

const OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

const urnOf = (type: string, name: string) => `urn:pulumi:test::lakehouse::${type}::${name}`;

/** Mirrors @pulumi/policy's server: a class matches when its static __pulumiType equals the type. */
const typeMatches = (type: string, cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;

function resourceArgs(type: string, props: Record<string, unknown>, name = 'subject'): ResourceValidationArgs {
  return {
    type,
    props,
    urn: urnOf(type, name),
    name,
    opts: OPTS,
    stackTags: new Map(),
    isType: (cls) => typeMatches(type, cls),
    asType: ((cls: unknown) => (typeMatches(type, cls) ? props : undefined)) as ResourceValidationArgs['asType'],
    getConfig: <C extends object>() => ({}) as C,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? 'not applicable');
    },
  };
}

async function violationsOf(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>): Promise<string[]> {
  const messages: string[] = [];
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
  for (const validate of validations) await validate(resourceArgs(type, props), (message) => messages.push(message));
  return messages;
}

function policyResource(type: string, name: string, props: Record<string, unknown>, bucketDeps: PolicyResource[] = []): PolicyResource {
  const resource: PolicyResource = {
    type,
    name,
    props,
    urn: urnOf(type, name),
    opts: OPTS,
    dependencies: bucketDeps,
    propertyDependencies: bucketDeps.length > 0 ? { bucket: bucketDeps } : {},
    isType: (cls) => typeMatches(type, cls),
    asType: ((cls: unknown) => (typeMatches(type, cls) ? props : undefined)) as PolicyResource['asType'],
  };
  return resource;
}

async function stackViolations(policy: StackValidationPolicy, resources: PolicyResource[]): Promise<Array<{ message: string; urn?: string }>> {
  const found: Array<{ message: string; urn?: string }> = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <C extends object>() => ({}) as C,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? 'not applicable');
    },
  };
  await policy.validateStack(args, (message, urn) => found.push({ message, urn }));
  return found;
}

/** Props whose listed keys are unknown, as during a preview (the policy proxy throws on access). */
function withUnknown(props: Record<string, unknown>, unknownKeys: string[]): Record<string, unknown> {
  return new Proxy(props, {
    get(target, key) {
      if (typeof key === 'string' && unknownKeys.includes(key)) throw new Error(`unknown value ${key} during preview`);
      return target[key as string];
    },
  });
}

const TLS_DENY = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: ['arn:aws:s3:::capstone-events-alice-123456789012', 'arn:aws:s3:::capstone-events-alice-123456789012/*'],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

describe('policy pack rules', () => {
  describe('s3-encryption-configuration-valid', () => {
    it('passes AES256 and aws:kms rules', async () => {
      for (const sseAlgorithm of ['AES256', 'aws:kms']) {
        const props = { bucket: 'b', rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }] };
        expect(await violationsOf(bucketEncryptionConfigured, T.sse, props)).to.deep.equal([]);
      }
    });

    it('rejects no rules and a rule without a default algorithm', async () => {
      expect(await violationsOf(bucketEncryptionConfigured, T.sse, { bucket: 'b', rules: [] })).to.deep.equal([
        'Server-side encryption configuration has no rules: add one with applyServerSideEncryptionByDefault.',
      ]);
      expect(await violationsOf(bucketEncryptionConfigured, T.sse, { bucket: 'b', rules: [{ bucketKeyEnabled: true }] })).to.deep.equal([
        "Server-side encryption rule 0 sets sseAlgorithm '(none)': expected one of AES256, aws:kms, aws:kms:dsse.",
      ]);
    });

    it('is not applicable to other resource types', async () => {
      let error: unknown;
      try {
        await violationsOf(bucketEncryptionConfigured, T.pab, {});
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(NotApplicable);
    });
  });

  describe('s3-public-access-block-all-true', () => {
    const allTrue = { bucket: 'b', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

    it('passes when all four flags are true', async () => {
      expect(await violationsOf(publicAccessBlocked, T.pab, allTrue)).to.deep.equal([]);
    });

    it('names every flag that is false or omitted', async () => {
      const { restrictPublicBuckets: _omitted, ...rest } = allTrue;
      expect(await violationsOf(publicAccessBlocked, T.pab, { ...rest, blockPublicPolicy: false })).to.deep.equal([
        'Public access block leaves blockPublicPolicy, restrictPublicBuckets not true: all four flags must be true.',
      ]);
    });
  });

  describe('s3-bucket-policy-tls-only', () => {
    it('passes a JSON policy with the TLS deny statement, and the object form', async () => {
      const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:GetObject' }, TLS_DENY] };
      expect(await violationsOf(bucketPolicyTlsOnly, T.bucketPolicy, { bucket: 'b', policy: JSON.stringify(doc) })).to.deep.equal([]);
      const objectForm = {
        Version: '2012-10-17',
        Statement: { ...TLS_DENY, Principal: { AWS: ['*'] }, Condition: { Bool: { 'aws:SecureTransport': false } } },
      };
      expect(await violationsOf(bucketPolicyTlsOnly, T.bucketPolicy, { bucket: 'b', policy: objectForm })).to.deep.equal([]);
    });

    const missing =
      "Bucket policy has no statement denying insecure transport: add { Effect: 'Deny', Principal: '*', Action: 's3:*', " +
      "Condition: { Bool: { 'aws:SecureTransport': 'false' } } } on the bucket and its objects.";

    it('rejects a policy whose deny is not TLS-based, not for everyone, or not for every action', async () => {
      const variants = [
        { ...TLS_DENY, Effect: 'Allow' },
        { ...TLS_DENY, Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
        { ...TLS_DENY, Principal: { AWS: 'arn:aws:iam::1:root' } },
        { ...TLS_DENY, Action: 's3:GetObject' },
      ];
      for (const statement of variants) {
        const policy = JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
        expect(await violationsOf(bucketPolicyTlsOnly, T.bucketPolicy, { bucket: 'b', policy })).to.deep.equal([missing]);
      }
    });

    it('rejects a policy that is not JSON', async () => {
      const messages = await violationsOf(bucketPolicyTlsOnly, T.bucketPolicy, { bucket: 'b', policy: '{not json' });
      expect(messages).to.have.length(1);
      expect(messages[0]).to.match(/^Bucket policy is not a readable policy document: invalid JSON \(/);
    });
  });

  describe('glue-job-bookmarks-single-run', () => {
    const job = {
      roleArn: 'arn:aws:iam::1:role/LabRole',
      command: { name: 'glueetl', scriptLocation: 's3://a/etl/glue/job.py' },
      defaultArguments: { '--job-bookmark-option': 'job-bookmark-enable', '--TempDir': 's3://a/glue-temp/' },
      executionProperty: { maxConcurrentRuns: 1 },
    };

    it('passes bookmarks on with one concurrent run', async () => {
      expect(await violationsOf(glueJobBookmarksSingleRun, T.glueJob, job)).to.deep.equal([]);
    });

    it('rejects bookmarks off or unset and concurrency other than 1 or unset', async () => {
      expect(
        await violationsOf(glueJobBookmarksSingleRun, T.glueJob, {
          ...job,
          defaultArguments: { '--job-bookmark-option': 'job-bookmark-disable' },
          executionProperty: { maxConcurrentRuns: 2 },
        }),
      ).to.deep.equal([
        "Glue job sets --job-bookmark-option to 'job-bookmark-disable': expected 'job-bookmark-enable' so a run reads only new files.",
        'Glue job sets executionProperty.maxConcurrentRuns to 2: expected exactly 1.',
      ]);
      const { defaultArguments: _d, executionProperty: _e, ...bare } = job;
      expect(await violationsOf(glueJobBookmarksSingleRun, T.glueJob, bare)).to.deep.equal([
        "Glue job sets --job-bookmark-option to '(unset)': expected 'job-bookmark-enable' so a run reads only new files.",
        'Glue job sets executionProperty.maxConcurrentRuns to (unset): expected exactly 1.',
      ]);
    });
  });

  describe('athena-workgroup-enforced-encrypted', () => {
    const workgroup = {
      name: 'lakehouse_alice',
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        resultConfiguration: { outputLocation: 's3://a/athena-results/', encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
      },
    };

    it('passes an enforced workgroup with SSE_S3 or SSE_KMS results', async () => {
      expect(await violationsOf(athenaWorkgroupEnforcedEncrypted, T.workgroup, workgroup)).to.deep.equal([]);
      const kms = JSON.parse(JSON.stringify(workgroup));
      kms.configuration.resultConfiguration.encryptionConfiguration = { encryptionOption: 'SSE_KMS', kmsKeyArn: 'arn:aws:kms:us-west-2:1:key/x' };
      expect(await violationsOf(athenaWorkgroupEnforcedEncrypted, T.workgroup, kms)).to.deep.equal([]);
    });

    it('rejects an unenforced workgroup and unencrypted results', async () => {
      const bad = { name: 'w', configuration: { enforceWorkgroupConfiguration: false, resultConfiguration: { outputLocation: 's3://a/athena-results/' } } };
      expect(await violationsOf(athenaWorkgroupEnforcedEncrypted, T.workgroup, bad)).to.deep.equal([
        'Athena workgroup sets configuration.enforceWorkgroupConfiguration to false: expected true.',
        "Athena workgroup result encryption is '(none)': expected configuration.resultConfiguration.encryptionConfiguration.encryptionOption one of SSE_S3, SSE_KMS, CSE_KMS.",
      ]);
      expect(await violationsOf(athenaWorkgroupEnforcedEncrypted, T.workgroup, { name: 'w' })).to.deep.equal([
        'Athena workgroup sets configuration.enforceWorkgroupConfiguration to (unset): expected true.',
        "Athena workgroup result encryption is '(none)': expected configuration.resultConfiguration.encryptionConfiguration.encryptionOption one of SSE_S3, SSE_KMS, CSE_KMS.",
      ]);
    });
  });

  describe('glue-table-partition-projection', () => {
    it('passes a table with projection enabled', async () => {
      const props = { name: 'events', databaseName: 'silver_alice', parameters: { 'projection.enabled': 'true', classification: 'parquet' } };
      expect(await violationsOf(glueTablePartitionProjection, T.table, props)).to.deep.equal([]);
    });

    it('rejects a table without projection or with it off', async () => {
      expect(await violationsOf(glueTablePartitionProjection, T.table, { name: 'events', databaseName: 'd' })).to.deep.equal([
        "Glue table 'events' sets projection.enabled to '(unset)': expected 'true'.",
      ]);
      expect(
        await violationsOf(glueTablePartitionProjection, T.table, { name: 'x', databaseName: 'd', parameters: { 'projection.enabled': 'false' } }),
      ).to.deep.equal(["Glue table 'x' sets projection.enabled to 'false': expected 'true'."]);
    });
  });

  describe('stack policies: every bucket has its companion resources', () => {
    const source = policyResource(T.bucket, 'source-bucket', { bucket: 'capstone-events-alice-1', id: 'capstone-events-alice-1' });
    const analytics = policyResource(T.bucket, 'analytics-bucket', { bucket: 'capstone-analytics-alice-1', id: 'capstone-analytics-alice-1' });

    it('passes when each bucket has encryption, public access block and policy (by dependency or by name)', async () => {
      const resources = [
        source,
        analytics,
        // attached through the dependency graph (what a preview knows)
        policyResource(T.sse, 'source-sse', withUnknown({}, ['bucket']), [source]),
        policyResource(T.pab, 'source-pab', withUnknown({}, ['bucket']), [source]),
        policyResource(T.bucketPolicy, 'source-policy', withUnknown({}, ['bucket']), [source]),
        // attached by the bucket name in their outputs (what an update reports)
        policyResource(T.sse, 'analytics-sse', { bucket: 'capstone-analytics-alice-1' }),
        policyResource(T.pab, 'analytics-pab', { bucket: 'capstone-analytics-alice-1' }),
        policyResource(T.bucketPolicy, 'analytics-policy', { bucket: 'capstone-analytics-alice-1' }),
      ];
      for (const policy of [everyBucketEncrypted, everyBucketPublicAccessBlocked, everyBucketTlsOnly]) {
        expect(await stackViolations(policy, resources), policy.name).to.deep.equal([]);
      }
    });

    it('reports the bucket (by name and URN) that lacks each companion', async () => {
      const resources = [
        source,
        analytics,
        policyResource(T.sse, 'source-sse', { bucket: 'capstone-events-alice-1' }),
        policyResource(T.pab, 'analytics-pab', { bucket: 'capstone-analytics-alice-1' }),
        // a policy attached to neither bucket does not count
        policyResource(T.bucketPolicy, 'stray-policy', { bucket: 'someone-elses-bucket' }),
      ];
      expect(await stackViolations(everyBucketEncrypted, resources)).to.deep.equal([
        { message: "S3 bucket 'analytics-bucket' has no aws.s3.BucketServerSideEncryptionConfiguration (default encryption).", urn: analytics.urn },
      ]);
      expect(await stackViolations(everyBucketPublicAccessBlocked, resources)).to.deep.equal([
        { message: "S3 bucket 'source-bucket' has no aws.s3.BucketPublicAccessBlock.", urn: source.urn },
      ]);
      expect(await stackViolations(everyBucketTlsOnly, resources)).to.deep.equal([
        { message: "S3 bucket 'source-bucket' has no aws.s3.BucketPolicy (TLS-only).", urn: source.urn },
        { message: "S3 bucket 'analytics-bucket' has no aws.s3.BucketPolicy (TLS-only).", urn: analytics.urn },
      ]);
    });

    it('does not match an unknown bucket name to anything during a preview', async () => {
      const previewBucket = policyResource(T.bucket, 'preview-bucket', withUnknown({}, ['bucket', 'id']));
      const unrelated = policyResource(T.sse, 'other-sse', withUnknown({}, ['bucket']));
      expect(await stackViolations(everyBucketEncrypted, [previewBucket, unrelated])).to.have.length(1);
    });
  });

  describe('the pack', () => {
    it('has unique, mandatory policies covering every rule of the pack', () => {
      const names = POLICIES.map((p) => p.name);
      expect(new Set(names).size).to.equal(names.length);
      expect(POLICIES.every((p) => p.enforcementLevel === 'mandatory')).to.equal(true);
      expect(names).to.have.members([
        's3-encryption-configuration-valid',
        's3-public-access-block-all-true',
        's3-bucket-policy-tls-only',
        'glue-job-bookmarks-single-run',
        'athena-workgroup-enforced-encrypted',
        'glue-table-partition-projection',
        's3-every-bucket-encrypted',
        's3-every-bucket-public-access-blocked',
        's3-every-bucket-tls-only',
      ]);
    });

    it('is laid out as a Node.js policy pack the CLI can load', () => {
      const dir = path.join(__dirname, '..', '..', 'policy');
      const manifest = parseYaml(fs.readFileSync(path.join(dir, 'PulumiPolicy.yaml'), 'utf8')) as { name: string; runtime: string };
      expect(manifest.runtime).to.equal('nodejs');
      // PolicyPack reads its version from the package.json of the directory it runs in.
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string; main?: string };
      expect(pkg.version).to.match(/^\d+\.\d+\.\d+$/);
      expect(fs.existsSync(path.join(dir, pkg.main ?? 'index.js'))).to.equal(true);
      const index = fs.readFileSync(path.join(dir, 'index.ts'), 'utf8');
      expect(index).to.include(`new PolicyPack('${manifest.name}'`);
    });
  });

  describe('the program itself (components under setMocks)', () => {
    /** Deploys the whole lakehouse under mocks with the given project config. */
    async function deployedResources(config: Record<string, string>): Promise<RecordedResource[]> {
      const fixture = makeFixture();
      const prefixed = Object.fromEntries(Object.entries(config).map(([k, v]) => [`lakehouse:${k}`, v]));
      const mocks = await installMocks({ config: { 'lakehouse:studentId': 'jdoe-01', ...prefixed } });
      await deployLakehouse(loadStackConfig(new pulumi.Config(), pulumi.getStack()), {
        region: 'us-west-2',
        projectName: 'lakehouse',
        stackName: 'dev',
        // No bucket kept from an earlier destroy: nothing to ask S3.
        bucketProbe: async () => 'absent',
        generatorCode: fixture.generatorCode,
        starterCode: fixture.generatorCode,
        etlDir: fixture.etlDir,
        queries: fixture.queries,
        queriesFile: fixture.queriesFile,
      });
      await mocks.settle();
      return mocks.awsResources();
    }

    /** What the analyzer would see after an update: inputs plus the outputs the mocks derive. */
    function asPolicyResource(r: RecordedResource): PolicyResource {
      const props = { ...r.inputs, id: `${r.name}-id`, ...(r.type === T.bucket ? { bucket: r.inputs.bucket ?? r.name } : {}) };
      return policyResource(r.type, r.name, props);
    }

    for (const [label, config] of [
      ['default config (labRole, created source bucket)', {}],
      ['iamMode create, FLEX, no ETL schedule', { iamMode: 'create', executionClass: 'FLEX', etlSchedule: 'off' }],
    ] as const) {
      it(`passes every policy with ${label}`, async () => {
        const resources = await deployedResources(config);
        const types = new Set(resources.map((r) => r.type));
        // the rules are exercised, not vacuously satisfied
        for (const type of [T.bucket, T.sse, T.pab, T.bucketPolicy, T.glueJob, T.table, T.workgroup]) expect(types, type).to.include(type);
        const violations: string[] = [];
        for (const policy of POLICIES) {
          if ('validateStack' in policy) {
            const found = await stackViolations(policy, resources.map(asPolicyResource));
            violations.push(...found.map((v) => `${policy.name}: ${v.message}`));
            continue;
          }
          for (const r of resources) {
            try {
              violations.push(...(await violationsOf(policy, r.type, r.inputs)).map((m) => `${policy.name} on ${r.name}: ${m}`));
            } catch (err) {
              if (!(err instanceof NotApplicable)) throw err;
            }
          }
        }
        expect(violations).to.deep.equal([]);
      });
    }
  });
});
