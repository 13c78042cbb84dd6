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
// awsx's CloudWatch helpers (metrics, graph/text/alarm widgets, grid layout, body JSON). They live
// in awsx's `classic` namespace, which awsx keeps until its next major version with security
// fixes only; imported by path so the program loads this module alone, not all of awsx.
import * as cw from '@pulumi/awsx/classic/cloudwatch';
import * as pulumi from '@pulumi/pulumi';
import { componentType, withFormerTypes } from './resource-types';

/** The namespace the Glue job publishes its run metrics to (etl/glue/run_report.py). */
export const ETL_METRICS_NAMESPACE = 'Lakehouse/ETL';
/** Per-run row counts the Glue job publishes (etl/glue/run_report.py), in reconciliation order. */
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
  readonly alarmArns?: pulumi.Input<string>[];
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

/** CloudWatch's grid is 24 columns wide: two graphs per row. */
const WIDTH = 12;
const HEIGHT = 6;

/** Escapes a value for a double-quoted term inside a single-quoted SEARCH string. */
function searchLiteral(value: string): string {
  if (/["'\\]/.test(value)) throw new Error(`dashboard: workgroup name '${value}' cannot appear in a metric search: expected no quotes or backslashes`);
  return value;
}

/**
 * Athena's ProcessedBytes of one workgroup over every query state and type: Athena publishes the
 * metric with the dimensions QueryState, QueryType and WorkGroup, so a metric with WorkGroup
 * alone would match no data; a SEARCH over all three, summed, does.
 */
export function athenaBytesExpression(workgroup: string, periodSeconds: number): string {
  return `SUM(SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="${searchLiteral(workgroup)}"', 'Sum', ${periodSeconds}))`;
}

/** A graph period CloudWatch accepts: a positive multiple of 60 seconds. */
export function checkPeriod(periodSeconds: number): number {
  if (!Number.isInteger(periodSeconds) || periodSeconds < 60 || periodSeconds % 60 !== 0) {
    throw new Error(`dashboard periodSeconds: expected a positive multiple of 60, got ${periodSeconds}`);
  }
  return periodSeconds;
}

/**
 * The widgets, in reading order; awsx's Dashboard lays them out left to right on the 24-column
 * grid and renders the body JSON CloudWatch stores.
 */
export function dashboardWidgets(args: OperationsDashboardArgs): cw.Widget[] {
  const period = checkPeriod(args.periodSeconds ?? 300);
  const namespace = args.etlMetricsNamespace ?? ETL_METRICS_NAMESPACE;
  const graph = (title: pulumi.Input<string>, metrics: cw.WidgetMetric[]) =>
    new cw.LineGraphMetricWidget({ title, metrics, period, width: WIDTH, height: HEIGHT });
  const metric = (m: cw.MetricArgs) => new cw.Metric({ period, ...m });
  const etl = (name: string, statistic: cw.MetricStatistic, label: string) =>
    metric({ namespace, name, dimensions: { JobName: args.glueJobName }, statistic, label });
  const glue = (name: string, statistic: cw.MetricStatistic, label: string, extra: Partial<cw.MetricArgs> = {}) =>
    metric({ namespace: 'Glue', name, dimensions: { JobName: args.glueJobName, JobRunId: 'ALL', Type: 'count' }, statistic, label, ...extra });
  const job = pulumi.output(args.glueJobName);
  const widgets: cw.Widget[] = [];

  if (args.generatorFunctionName !== undefined) {
    const fn = pulumi.output(args.generatorFunctionName);
    const lambda = (name: string, statistic: cw.MetricStatistic, label: string) =>
      metric({ namespace: 'AWS/Lambda', name, dimensions: { FunctionName: fn }, statistic, label });
    widgets.push(
      graph(pulumi.interpolate`Generator ${fn}: invocations and errors`, [lambda('Invocations', 'Sum', 'Invocations'), lambda('Errors', 'Sum', 'Errors')]),
      graph(pulumi.interpolate`Generator ${fn}: duration (ms)`, [lambda('Duration', 'Average', 'Average'), lambda('Duration', 'Maximum', 'Maximum')]),
    );
  } else {
    widgets.push(
      new cw.TextWidget({ markdown: '## Generator\nThe generator Lambda is not deployed in this stack (generatorEnabled false).', width: 24, height: 2 }),
    );
  }

  widgets.push(
    graph(pulumi.interpolate`ETL job ${job}: runs and Spark tasks`, [
      etl(ETL_RUN_SECONDS_METRIC, 'SampleCount', 'Runs (reported metrics)'),
      glue('glue.driver.aggregate.numCompletedTasks', 'Sum', 'Completed tasks', { yAxis: 'right' }),
      glue('glue.driver.aggregate.numFailedTasks', 'Sum', 'Failed tasks', { yAxis: 'right' }),
    ]),
    graph(pulumi.interpolate`ETL job ${job}: run duration (s)`, [
      etl(ETL_RUN_SECONDS_METRIC, 'Average', 'Run seconds (average)'),
      etl(ETL_RUN_SECONDS_METRIC, 'Maximum', 'Run seconds (maximum)'),
      // Glue reports elapsed milliseconds; shown in seconds beside the job's own figure.
      new cw.ExpressionWidgetMetric('glueElapsedMs / 1000', 'Glue ETL seconds in the period (Sum of elapsedTime)', 'glueElapsedSeconds'),
      glue('glue.driver.aggregate.elapsedTime', 'Sum', 'Glue elapsed ms', { id: 'glueElapsedMs', visible: false }),
    ]),
    graph(
      pulumi.interpolate`ETL job ${job}: rows processed`,
      ETL_ROW_METRICS.map((m) => etl(m, 'Sum', m)),
    ),
    graph(
      pulumi.interpolate`ETL job ${job}: files read and corrupt files`,
      ETL_FILE_METRICS.map((m) => etl(m, 'Sum', m)),
    ),
  );

  const workgroup = pulumi.output(args.athenaWorkgroupName);
  widgets.push(
    graph(pulumi.interpolate`Athena workgroup ${workgroup}: bytes scanned`, [
      new cw.ExpressionWidgetMetric(
        workgroup.apply((w) => athenaBytesExpression(w, period)),
        pulumi.interpolate`ProcessedBytes (${workgroup}, all queries)`,
        'athenaBytes',
      ),
    ]),
  );
  const alarms = args.alarmArns ?? [];
  if (alarms.length > 0) widgets.push(new cw.AlarmWidget({ title: 'Alarms', alarms, width: WIDTH, height: HEIGHT }));
  return widgets;
}

export class OperationsDashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly dashboardName: pulumi.Output<string>;
  /** Console link to the dashboard. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: OperationsDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('OperationsDashboard'), name, {}, withFormerTypes('OperationsDashboard', opts));

    this.dashboard = new cw.Dashboard(
      `${name}-dashboard`,
      { name: args.dashboardName, region: args.region as aws.Region, widgets: dashboardWidgets(args) },
      { parent: this },
    );
    this.dashboardName = this.dashboard.dashboardName;
    this.url = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}
