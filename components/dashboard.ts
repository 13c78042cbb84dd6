/**
 * OperationsDashboard: one CloudWatch dashboard that shows whether the stack is healthy.
 *
 * Rows: the generator Lambda (invocations, errors, duration); the Glue ETL job (runs, duration,
 * Spark tasks) and the rows it processed (the job's own Lakehouse/ETL metrics); Athena bytes
 * scanned in the stack's workgroup (what Athena bills); the state of the given alarms.
 *
 * Metric names and dimensions, and where they come from:
 * - AWS/Lambda Invocations, Errors, Duration; dimension FunctionName.
 * - Lakehouse/ETL FilesRead, LinesRead, SilverRowsAdded, DuplicatesDropped, RecordsQuarantined,
 *   CorruptFiles (Count) and RunSeconds (Seconds); dimension JobName. Sent once per run by the
 *   Glue job (etl/glue/run_report.py), so RunSeconds' SampleCount is the number of runs.
 * - Glue glue.driver.aggregate.elapsedTime (ms), .numCompletedTasks, .numFailedTasks; dimensions
 *   JobName, JobRunId=ALL, Type=count; Glue documents Sum as their valid statistic. Published
 *   every 30 seconds while a run goes when the job runs with --enable-metrics, so the Maximum of
 *   elapsedTime is one reporting interval, not a run's length: the Sum over a period is the ETL
 *   time spent in that period.
 * - AWS/Athena ProcessedBytes; published (workgroup publishCloudwatchMetricsEnabled) with the
 *   dimensions QueryState, QueryType and WorkGroup, so one SEARCH per workgroup sums every
 *   state and type: a metric with only WorkGroup would match no data.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { componentType, withFormerTypes } from './resource-types';

/** The namespace the Glue job publishes its run metrics to (team contract). */
export const ETL_METRICS_NAMESPACE = 'Lakehouse/ETL';
/** Per-run row counts the Glue job publishes (team contract), in reconciliation order. */
export const ETL_ROW_METRICS = ['LinesRead', 'SilverRowsAdded', 'DuplicatesDropped', 'RecordsQuarantined'] as const;
export const ETL_FILE_METRICS = ['FilesRead', 'CorruptFiles'] as const;
export const ETL_RUN_SECONDS_METRIC = 'RunSeconds';

export interface OperationsDashboardArgs {
  /** CloudWatch dashboard name (letters, digits, '-' and '_'; at most 255 characters). */
  readonly dashboardName: pulumi.Input<string>;
  /** Region the metrics live in (each widget names it). */
  readonly region: string;
  /**
   * Name of the generator Lambda function.
   * @default undefined: the generator row says the generator is not deployed
   */
  readonly generatorFunctionName?: pulumi.Input<string>;
  /** Name of the Glue ETL job. */
  readonly glueJobName: pulumi.Input<string>;
  /** Name of the Athena workgroup whose scanned bytes are shown. */
  readonly athenaWorkgroupName: pulumi.Input<string>;
  /**
   * ARNs of alarms shown in an alarm-status widget (e.g. the ETL failed-runs alarm).
   * @default [] (no alarm widget)
   */
  readonly alarmArns?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Namespace of the Glue job's run metrics.
   * @default 'Lakehouse/ETL'
   */
  readonly etlMetricsNamespace?: string;
  /**
   * Period of every graph, in seconds (a multiple of 60).
   * @default 300, the generator's default schedule
   */
  readonly periodSeconds?: number;
}

/** The plain values the dashboard body is rendered from. */
export interface DashboardValues {
  readonly region: string;
  readonly generatorFunctionName?: string;
  readonly glueJobName: string;
  readonly athenaWorkgroupName: string;
  readonly alarmArns: readonly string[];
  readonly etlMetricsNamespace: string;
  readonly periodSeconds: number;
}

type MetricRow = Array<string | Record<string, unknown>>;
interface Widget {
  type: 'metric' | 'text' | 'alarm';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const WIDTH = 12;
const HEIGHT = 6;

/** Escapes a value for a double-quoted term inside a single-quoted SEARCH string. */
function searchLiteral(value: string): string {
  if (/["'\\]/.test(value)) throw new Error(`dashboard: workgroup name '${value}' cannot appear in a metric search: expected no quotes or backslashes`);
  return value;
}

/** Renders the dashboard body (the JSON CloudWatch stores) from plain values. */
export function renderDashboardBody(v: DashboardValues): string {
  if (!Number.isInteger(v.periodSeconds) || v.periodSeconds < 60 || v.periodSeconds % 60 !== 0) {
    throw new Error(`dashboard periodSeconds: expected a positive multiple of 60, got ${v.periodSeconds}`);
  }
  const period = v.periodSeconds;
  const graph = (title: string, metrics: MetricRow[], extra: Record<string, unknown> = {}) => ({
    title,
    region: v.region,
    view: 'timeSeries',
    stacked: false,
    period,
    metrics,
    ...extra,
  });
  const rows: Array<Array<Omit<Widget, 'x' | 'y' | 'width' | 'height'> & { width?: number; height?: number }>> = [];

  // Generator
  if (v.generatorFunctionName !== undefined) {
    const fn = ['AWS/Lambda'] as const;
    const dims = ['FunctionName', v.generatorFunctionName] as const;
    rows.push([
      {
        type: 'metric',
        properties: graph(`Generator ${v.generatorFunctionName}: invocations and errors`, [
          [...fn, 'Invocations', ...dims, { stat: 'Sum', label: 'Invocations' }],
          [...fn, 'Errors', ...dims, { stat: 'Sum', label: 'Errors' }],
        ]),
      },
      {
        type: 'metric',
        properties: graph(`Generator ${v.generatorFunctionName}: duration (ms)`, [
          [...fn, 'Duration', ...dims, { stat: 'Average', label: 'Average' }],
          [...fn, 'Duration', ...dims, { stat: 'Maximum', label: 'Maximum' }],
        ]),
      },
    ]);
  } else {
    rows.push([{ type: 'text', width: 24, height: 2, properties: { markdown: '## Generator\nThe generator Lambda is not deployed in this stack (generatorEnabled false).' } }]);
  }

  // Glue job: runs and duration
  const etl = (metric: string, stat: string, label: string): MetricRow => [v.etlMetricsNamespace, metric, 'JobName', v.glueJobName, { stat, label }];
  const glue = (metric: string, stat: string, label: string, extra: Record<string, unknown> = {}): MetricRow => [
    'Glue',
    metric,
    'JobName',
    v.glueJobName,
    'JobRunId',
    'ALL',
    'Type',
    'count',
    { stat, label, ...extra },
  ];
  rows.push([
    {
      type: 'metric',
      properties: graph(`ETL job ${v.glueJobName}: runs and Spark tasks`, [
        etl(ETL_RUN_SECONDS_METRIC, 'SampleCount', 'Runs (reported metrics)'),
        glue('glue.driver.aggregate.numCompletedTasks', 'Sum', 'Completed tasks', { yAxis: 'right' }),
        glue('glue.driver.aggregate.numFailedTasks', 'Sum', 'Failed tasks', { yAxis: 'right' }),
      ]),
    },
    {
      type: 'metric',
      properties: graph(`ETL job ${v.glueJobName}: run duration (s)`, [
        etl(ETL_RUN_SECONDS_METRIC, 'Average', 'Run seconds (average)'),
        etl(ETL_RUN_SECONDS_METRIC, 'Maximum', 'Run seconds (maximum)'),
        // Glue reports elapsed milliseconds; shown in seconds beside the job's own figure.
        [{ expression: 'glueElapsedMs / 1000', label: 'Glue ETL seconds in the period (Sum of elapsedTime)', id: 'glueElapsedSeconds' }],
        glue('glue.driver.aggregate.elapsedTime', 'Sum', 'Glue elapsed ms', { id: 'glueElapsedMs', visible: false }),
      ]),
    },
  ]);

  // Rows processed
  rows.push([
    {
      type: 'metric',
      properties: graph(`ETL job ${v.glueJobName}: rows processed`, ETL_ROW_METRICS.map((m) => etl(m, 'Sum', m))),
    },
    {
      type: 'metric',
      properties: graph(`ETL job ${v.glueJobName}: files read and corrupt files`, ETL_FILE_METRICS.map((m) => etl(m, 'Sum', m))),
    },
  ]);

  // Athena and alarms
  const workgroup = searchLiteral(v.athenaWorkgroupName);
  const search = `SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="${workgroup}"', 'Sum', ${period})`;
  const athenaRow: (typeof rows)[number] = [
    {
      type: 'metric',
      properties: graph(`Athena workgroup ${v.athenaWorkgroupName}: bytes scanned`, [
        [{ expression: `SUM(${search})`, label: `ProcessedBytes (${v.athenaWorkgroupName}, all queries)`, id: 'athenaBytes' }],
      ]),
    },
  ];
  if (v.alarmArns.length > 0) {
    athenaRow.push({ type: 'alarm', properties: { title: 'Alarms', alarms: [...v.alarmArns] } });
  }
  rows.push(athenaRow);

  // Lay the rows out on CloudWatch's 24-column grid.
  const widgets: Widget[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    let rowHeight = 0;
    for (const w of row) {
      const width = w.width ?? WIDTH;
      const height = w.height ?? HEIGHT;
      widgets.push({ type: w.type, x, y, width, height, properties: w.properties });
      x += width;
      rowHeight = Math.max(rowHeight, height);
    }
    y += rowHeight;
  }
  return JSON.stringify({ widgets });
}

export class OperationsDashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly dashboardName: pulumi.Output<string>;
  /** Console link to the dashboard. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: OperationsDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('OperationsDashboard'), name, {}, withFormerTypes('OperationsDashboard', opts));

    const body = pulumi
      .all([args.generatorFunctionName, args.glueJobName, args.athenaWorkgroupName, args.alarmArns ?? []])
      .apply(([generatorFunctionName, glueJobName, athenaWorkgroupName, alarmArns]) =>
        renderDashboardBody({
          region: args.region,
          generatorFunctionName,
          glueJobName,
          athenaWorkgroupName,
          alarmArns,
          etlMetricsNamespace: args.etlMetricsNamespace ?? ETL_METRICS_NAMESPACE,
          periodSeconds: args.periodSeconds ?? 300,
        }),
      );

    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: args.dashboardName, dashboardBody: body },
      { parent: this },
    );
    this.dashboardName = this.dashboard.dashboardName;
    this.url = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}
