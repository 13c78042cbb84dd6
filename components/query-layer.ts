/**
 * QueryLayer: where people ask the lakehouse questions.
 *
 * - an Athena workgroup (engine version 3, configuration enforced so every query lands its
 *   results encrypted under athena-results/, CloudWatch metrics on, a per-query bytes-scanned
 *   cutoff as a cost guard; always force-destroyed: AWS refuses to delete a workgroup that
 *   holds query executions, which the first validation run already creates, so without it
 *   every `pulumi destroy` would stop at the workgroup. Force-destroy removes the workgroup's
 *   saved queries and history, never data: results under athena-results/ stay in the bucket);
 * - one named query per question of queries/queries.sql, run against gold_<id>;
 * - queries.sql itself uploaded to s3://<analytics>/queries/queries.sql.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DeliverableQuery, loadQueries, QUERIES_PATH } from '../queries';
import { names } from './naming';
import { componentType, withFormerTypes } from './resource-types';

/** The deliverable queries file (helper "transforms" owns it and its parser). */
export const QUERIES_FILE = QUERIES_PATH;
export type { DeliverableQuery };

export interface QueryLayerArgs {
  readonly studentId: string;
  readonly analyticsBucketName: pulumi.Input<string>;
  /** Database the queries run in (gold_<id>): queries.sql names gold tables unqualified. */
  readonly goldDatabase: pulumi.Input<string>;
  /**
   * Athena stops a query that scans more than this many bytes (minimum 10 MB).
   * @default 10737418240 (10 GiB)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * The queries to register.
   * @default loadQueries(queriesFile) from queries/index.ts
   */
  readonly queries?: readonly DeliverableQuery[];
  /**
   * The queries file uploaded to queries/queries.sql.
   * @default queries/queries.sql of this repository
   */
  readonly queriesFile?: string;
}

export class QueryLayer extends pulumi.ComponentResource {
  public readonly workgroup: aws.athena.Workgroup;
  public readonly workgroupName: pulumi.Output<string>;
  public readonly namedQueries: ReadonlyArray<aws.athena.NamedQuery>;
  public readonly queriesUri: pulumi.Output<string>;
  public readonly resultsUri: pulumi.Output<string>;

  constructor(name: string, args: QueryLayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('QueryLayer'), name, {}, withFormerTypes('QueryLayer', opts));
    const queriesFile = args.queriesFile ?? QUERIES_FILE;
    const queries = args.queries ?? loadQueries(queriesFile);
    this.resultsUri = pulumi.interpolate`s3://${args.analyticsBucketName}/athena-results/`;

    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: names.workgroup(args.studentId),
        description: `Clickstream lakehouse queries of stack ${args.studentId}`,
        state: 'ENABLED',
        forceDestroy: true,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery ?? 10737418240,
          engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
          resultConfiguration: { outputLocation: this.resultsUri, encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
        },
      },
      { parent: this },
    );
    this.workgroupName = this.workgroup.name;

    this.namedQueries = queries.map(
      (q) =>
        new aws.athena.NamedQuery(
          `${name}-${names.namedQuery(q.id, q.name)}`,
          {
            name: names.namedQuery(q.id, q.name),
            description: q.question.slice(0, 1024),
            database: args.goldDatabase,
            workgroup: this.workgroup.name,
            query: q.sql,
          },
          { parent: this },
        ),
    );

    const queriesObject = new aws.s3.BucketObjectv2(
      `${name}-queries-sql`,
      { bucket: args.analyticsBucketName, key: 'queries/queries.sql', source: new pulumi.asset.FileAsset(queriesFile), contentType: 'text/plain' },
      { parent: this },
    );
    this.queriesUri = pulumi.interpolate`s3://${queriesObject.bucket}/${queriesObject.key}`;

    this.registerOutputs({ workgroupName: this.workgroupName, queriesUri: this.queriesUri, resultsUri: this.resultsUri });
  }
}
