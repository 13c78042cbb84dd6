/**
 * Kept buckets: with destroyData=false, `pulumi destroy` leaves both buckets (and the data in
 * them) in the account. Their names are fixed (`capstone-<kind>-<studentId>-<accountId>`), so
 * creating them again on the next `pulumi up` would fail with BucketAlreadyOwnedByYou.
 *
 * Before declaring a bucket the program therefore asks S3 whether it already exists
 * (HeadBucket with ExpectedBucketOwner, so only this account's bucket counts). An existing one
 * is adopted with Pulumi's `import` option instead of created: the lake's tables, recreated
 * with the same locations, point at the same data again. When the bucket is already in the
 * stack's state, Pulumi ignores an `import` whose id equals the resource's id, so adopting is
 * safe on every update, not just the first one after a destroy.
 *
 * Config `adoptKeptBuckets=false` skips the lookup (the buckets are then always created).
 */
import type { AwsCredentialSettings } from './aws-credentials';
import { sdkClientConfig } from './aws-credentials';
import { ConfigError } from './config';

/** owned: exists in this account; absent: no such bucket; foreign: exists, another account's. */
export type BucketState = 'owned' | 'absent' | 'foreign';
export type BucketProbe = (bucket: string, accountId: string) => Promise<BucketState>;

/** The default probe: S3 HeadBucket with the stack's region and credentials. */
export function s3BucketProbe(region: string, credentials?: AwsCredentialSettings): BucketProbe {
  return async (bucket, accountId) => {
    const { HeadBucketCommand, S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    const client = new S3Client(sdkClientConfig(region, credentials));
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }));
      return 'owned';
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket') return 'absent';
      if (status === 403) return 'foreign';
      if (status === 301) {
        throw new ConfigError(`bucket '${bucket}' exists in another region than aws:region ${region}: expected the stack's region to be the bucket's`);
      }
      throw new Error(
        `kept-bucket lookup: HeadBucket ${bucket} failed (${e.name ?? 'Error'}: ${e.message ?? ''}); set adoptKeptBuckets=false to skip the lookup`,
        {
          cause: error,
        },
      );
    }
  };
}

/**
 * The bucket names to adopt among `names`: those this account already owns. A name another
 * account owns stops the program here, naming the bucket and what to change.
 */
export async function bucketsToAdopt(names: readonly string[], accountId: string, probe: BucketProbe): Promise<Set<string>> {
  const adopt = new Set<string>();
  for (const name of names) {
    const state = await probe(name, accountId);
    if (state === 'owned') adopt.add(name);
    if (state === 'foreign') {
      throw new ConfigError(
        `config studentId: bucket '${name}' already exists in another AWS account (S3 names are global); expected a studentId whose bucket names are free`,
      );
    }
  }
  return adopt;
}
