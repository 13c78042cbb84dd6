/**
 * OperationsDashboard under pulumi.runtime.setMocks: the dashboard body is parsed and every
 * widget's metrics are checked against what the services (and our Glue job) publish.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { installMocks, MockRecorder } from '../helpers/pulumi-mocks';
import * as mod from '../../components/dashboard';
import type * as DashboardModule from '../../components/dashboard';

type Row = Array<string | Record<string, unknown>>;
interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; region?: string; metrics?: Row[]; alarms?: string[]; markdown?: string };
}

const DASHBOARD = 'aws:cloudwatch/dashboard:Dashboard';

/** Metric rows as {namespace, name, dimensions, options}; expression rows as {expression}. */
function metricsOf(widgets: Widget[]) {
  return widgets.flatMap((w) =>
    (w.properties.metrics ?? []).map((row) => {
      const options = (typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {}) as Record<string, unknown>;
      const parts = row.filter((p): p is string => typeof p === 'string');
      const [namespace, name, ...dims] = parts;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i]] = dims[i + 1];
      return { widget: w.properties.title ?? '', namespace, name, dimensions, options };
    }),
  );
}

/** The metric names etl/glue/run_report.py publishes, read from the Glue job's source. */
function metricsTheGlueJobPublishes(): string[] {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'etl', 'glue', 'run_report.py'), 'utf8');
  const columns = source.match(/METRIC_COLUMNS\s*=\s*\{([\s\S]*?)\n\}/);
  if (!columns) throw new Error('etl/glue/run_report.py: METRIC_COLUMNS not found');
  const names = [...columns[1].matchAll(/"(\w+)":\s*\(/g)].map((m) => m[1]);
  for (const constant of ['FILES_READ_METRIC', 'RUN_SECONDS_METRIC']) {
    const m = source.match(new RegExp(`${constant}\\s*=\\s*"(\\w+)"`));
    if (!m) throw new Error(`etl/glue/run_report.py: ${constant} not found`);
    names.push(m[1]);
  }
  return names;
}

describe('OperationsDashboard', () => {
  let mocks: MockRecorder;

  before(async () => {
    // Pulumi reads the mock monitor when a resource is constructed, so a static import is fine.
    mocks = await installMocks();
  });

  beforeEach(() => mocks.reset());

  async function build(args: Partial<DashboardModule.OperationsDashboardArgs> = {}) {
    const component = new mod.OperationsDashboard('ops', {
      dashboardName: 'lakehouse-jdoe-01',
      region: 'us-west-2',
      generatorFunctionName: pulumi.output('lakehouse-generator-jdoe-01'),
      glueJobName: pulumi.output('lakehouse_etl_jdoe_01'),
      athenaWorkgroupName: pulumi.output('lakehouse_jdoe_01'),
      alarmArns: [pulumi.output('arn:aws:cloudwatch:us-west-2:123456789012:alarm:lakehouse-etl-failed-runs-jdoe-01')],
      ...args,
    });
    await mocks.settle();
    const dashboard = mocks.one(DASHBOARD);
    const widgets = (JSON.parse(dashboard.inputs.dashboardBody as string) as { widgets: Widget[] }).widgets;
    return { component, dashboard, widgets };
  }

  it('creates one named dashboard, child of the component', async () => {
    const { dashboard } = await build();
    expect(dashboard.inputs.dashboardName).to.equal('lakehouse-jdoe-01');
    const parent = mocks.parentOf(dashboard);
    expect(parent?.type).to.equal('lakehouse:index:OperationsDashboard');
    // The former token is an alias, so an existing stack's dashboard is not replaced.
    expect(parent?.aliasTypes).to.deep.equal(['lakehouse:monitoring:OperationsDashboard']);
    expect(mocks.ofType(DASHBOARD)).to.have.length(1);
  });

  it('shows the generator Lambda invocations, errors and duration', async () => {
    const { widgets } = await build();
    const lambda = metricsOf(widgets).filter((m) => m.namespace === 'AWS/Lambda');
    expect(lambda.map((m) => m.name)).to.have.members(['Invocations', 'Errors', 'Duration', 'Duration']);
    for (const m of lambda) expect(m.dimensions).to.deep.equal({ FunctionName: 'lakehouse-generator-jdoe-01' });
    expect(lambda.find((m) => m.name === 'Errors')?.options.stat).to.equal('Sum');
  });

  it('shows Glue job runs and duration from Glue and from the job itself', async () => {
    const { widgets } = await build();
    const metrics = metricsOf(widgets);
    const glue = metrics.filter((m) => m.namespace === 'Glue');
    expect(glue.map((m) => m.name)).to.have.members([
      'glue.driver.aggregate.numCompletedTasks',
      'glue.driver.aggregate.numFailedTasks',
      'glue.driver.aggregate.elapsedTime',
    ]);
    for (const m of glue) expect(m.dimensions).to.deep.equal({ JobName: 'lakehouse_etl_jdoe_01', JobRunId: 'ALL', Type: 'count' });
    const runs = metrics.find((m) => m.name === 'RunSeconds' && m.options.stat === 'SampleCount');
    expect(runs?.namespace).to.equal('Lakehouse/ETL');
    // the elapsed-time expression refers to the hidden Glue metric by id
    const expression = metrics.find((m) => typeof m.options.expression === 'string' && String(m.options.expression).includes('glueElapsedMs'));
    expect(expression).to.not.equal(undefined);
    // elapsedTime arrives every 30 s while a run goes: its documented statistic is Sum (the ETL
    // time in the period); its Maximum would only ever show one reporting interval.
    expect(glue.find((m) => m.name === 'glue.driver.aggregate.elapsedTime')?.options).to.include({ id: 'glueElapsedMs', visible: false, stat: 'Sum' });
    for (const m of glue) expect(m.options.stat, m.name).to.equal('Sum');
  });

  it('graphs every row and file metric the Glue job publishes, under its namespace and JobName', async () => {
    const { widgets } = await build();
    const etl = metricsOf(widgets).filter((m) => m.namespace === 'Lakehouse/ETL');
    for (const m of etl) expect(m.dimensions).to.deep.equal({ JobName: 'lakehouse_etl_jdoe_01' });
    const published = metricsTheGlueJobPublishes();
    expect(published).to.include.members([
      'LinesRead',
      'SilverRowsAdded',
      'DuplicatesDropped',
      'RecordsQuarantined',
      'FilesRead',
      'CorruptFiles',
      'RunSeconds',
    ]);
    expect([...new Set(etl.map((m) => m.name))]).to.have.members(published);
  });

  it('sums Athena ProcessedBytes of the workgroup over every query state and type', async () => {
    const { widgets } = await build();
    const expressions = metricsOf(widgets)
      .map((m) => m.options.expression)
      .filter((e): e is string => typeof e === 'string' && e.includes('AWS/Athena'));
    expect(expressions).to.deep.equal([
      `SUM(SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="lakehouse_jdoe_01"', 'Sum', 300))`,
    ]);
  });

  it('lists the given alarms, names the region in every graph and lays widgets out without overlap', async () => {
    const { widgets } = await build();
    const alarm = widgets.find((w) => w.type === 'alarm');
    expect(alarm?.properties.alarms).to.deep.equal(['arn:aws:cloudwatch:us-west-2:123456789012:alarm:lakehouse-etl-failed-runs-jdoe-01']);
    for (const w of widgets.filter((w) => w.type === 'metric')) expect(w.properties.region).to.equal('us-west-2');
    const cells = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width).to.be.at.most(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `widget '${w.properties.title}' overlaps at ${cell}`).to.equal(false);
          cells.add(cell);
        }
      }
    }
  });

  it('says so instead of graphing a generator that is not deployed; no alarm widget without alarms', async () => {
    const { widgets } = await build({ generatorFunctionName: undefined, alarmArns: undefined });
    expect(metricsOf(widgets).some((m) => m.namespace === 'AWS/Lambda')).to.equal(false);
    expect(widgets.find((w) => w.type === 'text')?.properties.markdown).to.match(/not deployed/);
    expect(widgets.some((w) => w.type === 'alarm')).to.equal(false);
  });

  it('rejects a workgroup name that would break the metric search, and a bad period', () => {
    expect(() => mod.athenaBytesExpression(`w"x`, 300)).to.throw(
      `dashboard: workgroup name 'w"x' cannot appear in a metric search: expected no quotes or backslashes`,
    );
    const args = { dashboardName: 'd', region: 'us-west-2', glueJobName: 'j', athenaWorkgroupName: 'w' };
    expect(() => mod.dashboardWidgets({ ...args, periodSeconds: 90 })).to.throw('dashboard periodSeconds: expected a positive multiple of 60, got 90');
    // No generator (a text widget instead), four ETL graphs, Athena; no alarm widget without alarms.
    expect(mod.dashboardWidgets(args)).to.have.length(6);
  });

  it('is built with awsx CloudWatch helpers: no hand-written layout or body JSON', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'components', 'dashboard.ts'), 'utf8');
    expect(source).to.include("from '@pulumi/awsx/classic/cloudwatch'");
    expect(source).not.to.match(/JSON\.stringify|new aws\.cloudwatch\.Dashboard/);
  });
});
