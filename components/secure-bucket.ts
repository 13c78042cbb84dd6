/**
 * An S3 bucket with the protections every bucket of the lakehouse needs: versioning, default
 * encryption (SSE-S3), all public access blocked, a TLS-only bucket policy and a lifecycle
 * configuration chosen by the caller.
 *
 * Safe removal by default: unless `destroyData` is true, the bucket and its protections are
 * retained when the stack is destroyed (Pulumi forgets them, AWS keeps them), so `pulumi
 * destroy` never deletes data by accident. Only `destroyData: true` deletes the bucket, and
 * then with its objects (forceDestroy). A kept bucket is taken back under management on a later
 * `pulumi up` through `adoptExisting` (components/kept-buckets.ts decides when).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { componentType, withFormerTypes } from './resource-types';

export interface SecureBucketArgs {
  /** Explicit bucket name (never an autoname). */
  readonly bucketName: pulumi.Input<string>;
  /** Lifecycle rules; every rule needs an explicit filter. */
  readonly lifecycleRules: pulumi.Input<aws.types.input.s3.BucketLifecycleConfigurationRule>[];
  /**
   * Delete the bucket and everything in it on `pulumi destroy`.
   * @default false (the bucket is retained and Pulumi logs that it is kept)
   */
  readonly destroyData?: boolean;
  /**
   * Adopt the bucket of this name, which already exists in the account (kept by an earlier
   * destroy), with Pulumi's `import` option instead of creating it. Must equal `bucketName`.
   * @default undefined (the bucket is created)
   */
  readonly adoptExisting?: string;
}

export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('SecureBucket'), name, {}, withFormerTypes('SecureBucket', opts));
    const destroyData = args.destroyData ?? false;
    // Retaining only the bucket would let a destroy strip the public access block and
    // encryption from data that stays behind, so the protections are retained with it.
    const child: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: !destroyData };

    this.bucket = new aws.s3.Bucket(
      name,
      { bucket: args.bucketName, forceDestroy: destroyData },
      args.adoptExisting === undefined ? child : { ...child, import: args.adoptExisting },
    );
    // The bucket's name is its id; the protections refer to it by name.
    const bucketId = this.bucket.bucket;

    new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }] },
      child,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket: bucketId,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
      // S3 rejects policy writes racing the public access block on a new bucket.
      { ...child, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucketId, rules: args.lifecycleRules }, child);

    if (args.adoptExisting !== undefined) {
      pulumi.log.info(`${name}: adopting the existing bucket ${args.adoptExisting} (kept by an earlier destroy) instead of creating it`, this);
    }

    this.bucketName = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}
