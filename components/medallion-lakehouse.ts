/**
 * MedallionLakehouse: the analytics bucket and the Glue catalog of one stack.
 *
 * - bucket `capstone-analytics-<studentId>-<accountId>` (SecureBucket protections); lifecycle
 *   expires only `athena-results/`, `glue-temp/` and noncurrent versions: bronze, silver,
 *   quarantine and gold are never expired by a rule;
 * - Glue databases `bronze_<id>`, `silver_<id>`, `gold_<id>`;
 * - one Glue table per table of etl/schema.ts, including the raw table over the source bucket.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DatabaseLayer, rawEvents, TableDef, TABLES } from '../etl/schema';
import { catalogTableArgs } from './glue-tables';
import { bucketName, databaseName, plainBucketName } from './naming';
import { SecureBucket } from './secure-bucket';
import { componentType, withFormerTypes } from './resource-types';

export const DATABASE_LAYERS: readonly DatabaseLayer[] = ['bronze', 'silver', 'gold'];

/** Prefixes of the analytics bucket (the contract between components, the ETL and Athena). */
export const ANALYTICS_PREFIXES = {
  etl: 'etl/',
  athenaResults: 'athena-results/',
  glueTemp: 'glue-temp/',
  queries: 'queries/',
  /** Prefixes holding table data: never expired by a lifecycle rule. */
  tables: ['bronze/', 'silver/', 'quarantine/', 'gold/'],
} as const;

export interface MedallionLakehouseArgs {
  readonly studentId: string;
  readonly accountId: pulumi.Input<string>;
  /** Bucket the raw table reads (created by EventSource or an existing one). */
  readonly sourceBucketName: pulumi.Input<string>;
  /**
   * Delete the analytics bucket with its data on `pulumi destroy`.
   * @default false
   */
  readonly destroyData?: boolean;
  /**
   * Adopt the analytics bucket as an existing bucket of this account (kept by an earlier
   * destroy) instead of creating it; components/kept-buckets.ts decides.
   * @default false
   */
  readonly adoptExistingBucket?: boolean;
  /**
   * Days before Athena query results expire.
   * @default 7
   */
  readonly athenaResultsRetentionDays?: number;
  /**
   * Days before Glue's temporary files expire.
   * @default 2
   */
  readonly glueTempRetentionDays?: number;
  /**
   * Days before noncurrent object versions (replaced partitions, overwritten code) expire.
   * @default 7
   */
  readonly noncurrentVersionDays?: number;
}

export class MedallionLakehouse extends pulumi.ComponentResource {
  public readonly bucket: SecureBucket;
  public readonly bucketName: pulumi.Output<string>;
  /** Database name per layer, e.g. `{ bronze: 'bronze_jdoe', ... }`. */
  public readonly databases: Readonly<Record<DatabaseLayer, string>>;
  public readonly tables: ReadonlyMap<string, aws.glue.CatalogTable>;
  /** `s3://<analytics>/gold/`: the analytical dataset. */
  public readonly goldUri: pulumi.Output<string>;

  constructor(name: string, args: MedallionLakehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('MedallionLakehouse'), name, {}, withFormerTypes('MedallionLakehouse', opts));
    const expireDays = {
      athenaResults: args.athenaResultsRetentionDays ?? 7,
      glueTemp: args.glueTempRetentionDays ?? 2,
      noncurrent: args.noncurrentVersionDays ?? 7,
    };

    this.bucket = new SecureBucket(
      `${name}-analytics`,
      {
        bucketName: pulumi.output(args.accountId).apply((account) => bucketName('analytics', args.studentId, account)),
        destroyData: args.destroyData ?? false,
        adoptExisting: args.adoptExistingBucket === true ? plainBucketName('analytics', args.studentId, args.accountId) : undefined,
        lifecycleRules: [
          {
            id: 'expire-athena-results',
            status: 'Enabled',
            filter: { prefix: ANALYTICS_PREFIXES.athenaResults },
            expiration: { days: expireDays.athenaResults },
          },
          { id: 'expire-glue-temp', status: 'Enabled', filter: { prefix: ANALYTICS_PREFIXES.glueTemp }, expiration: { days: expireDays.glueTemp } },
          {
            id: 'expire-noncurrent-versions-and-incomplete-uploads',
            status: 'Enabled',
            filter: { prefix: '' },
            noncurrentVersionExpiration: { noncurrentDays: expireDays.noncurrent },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
    this.bucketName = this.bucket.bucketName;

    const databases = {} as Record<DatabaseLayer, string>;
    const databaseResources = {} as Record<DatabaseLayer, aws.glue.CatalogDatabase>;
    for (const layer of DATABASE_LAYERS) {
      databases[layer] = databaseName(layer, args.studentId);
      databaseResources[layer] = new aws.glue.CatalogDatabase(
        `${name}-${layer}`,
        { name: databases[layer], description: `${layer} layer of the clickstream lakehouse (stack ${args.studentId})` },
        { parent: this },
      );
    }
    this.databases = databases;

    const tables = new Map<string, aws.glue.CatalogTable>();
    for (const table of TABLES) {
      const location = table === rawEvents ? args.sourceBucketName : this.bucketName;
      tables.set(
        table.id,
        new aws.glue.CatalogTable(`${name}-${tableResourceName(table)}`, catalogTableArgs(table, databaseResources[table.database].name, location), {
          parent: this,
        }),
      );
    }
    this.tables = tables;
    this.goldUri = pulumi.interpolate`s3://${this.bucketName}/gold/`;

    this.registerOutputs({ bucketName: this.bucketName, databases: this.databases, goldUri: this.goldUri });
  }
}

/** Pulumi resource name of a table: unique across databases (`silver-events`, `gold-product_funnel`). */
export function tableResourceName(table: TableDef): string {
  return table.id.replace('.', '-');
}
