/**
 * Cloud integration test through the Pulumi Automation API (`npm run test:integration`).
 *
 * LocalWorkspace over this project's folder with a local file backend in a temporary directory:
 * create a uniquely named stack, set its config, `up`, invoke the generator Lambda once, run the
 * Glue job and wait for it, run the 5 deliverable queries through Athena, check the results
 * reconcile with the generator's reported event_count, then `destroy` and remove the stack, also
 * when an assertion failed. If the destroy itself fails, the state directory is kept and its path
 * printed, so the resources can still be destroyed by hand.
 *
 * It runs only when the pulumi CLI and AWS credentials are present; otherwise every test is
 * reported as skipped with the reason. `npm test` never runs it (.mocharc.json ignores this folder).
 *
 * Environment (all optional):
 *   AWS_REGION / AWS_DEFAULT_REGION   region of the stack            default us-west-2
 *   LAKEHOUSE_IAM_MODE                iamMode config (labRole|create) default labRole
 *   LAKEHOUSE_IT_EVENTS               events in the generated file   default 20000
 *   PULUMI_CONFIG_PASSPHRASE          for the throwaway stack         default a fixed test passphrase
 *   LAKEHOUSE_IT_VERBOSE=1            stream pulumi output to the console (always logged to a file)
 */
import { expect } from 'chai';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { LocalWorkspace, OutputMap, Stack } from '@pulumi/pulumi/automation';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, QueryExecutionState, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { loadQueries } from '../../queries';

const PROJECT_DIR = path.join(__dirname, '..', '..');
const REGION = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-west-2';
const EVENTS = Number(process.env.LAKEHOUSE_IT_EVENTS ?? '20000');
const POLL_MS = 15_000;
const GLUE_TIMEOUT_MS = 75 * 60_000;
const ATHENA_TIMEOUT_MS = 10 * 60_000;

/**
 * Stack config of the run. Schedules are off (or a day away) so that exactly one generated file
 * exists, and duplicates are 0 (the Lambda injects no malformed lines unless MALFORMED_RATE is
 * set), so every generated line must end up in silver and gold.
 */
function harnessConfig(studentId: string): Record<string, string> {
  return {
    studentId,
    iamMode: process.env.LAKEHOUSE_IAM_MODE ?? 'labRole',
    generatorSchedule: 'rate(1 day)',
    etlSchedule: 'off',
    minEvents: String(EVENTS),
    maxEvents: String(EVENTS),
    duplicateRate: '0',
    destroyData: 'true',
  };
}

// ---------------------------------------------------------------------------------------------
// Prerequisites
// ---------------------------------------------------------------------------------------------

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ ok: !err, out: (err ? `${err.message} ${stderr}` : stdout).trim() }));
  });
}

/** Why the harness cannot run here, or undefined when it can. */
async function missingPrerequisites(): Promise<string | undefined> {
  const reasons: string[] = [];
  const pulumi = await run('pulumi', ['version']);
  if (!pulumi.ok) reasons.push(`the pulumi CLI is not usable ('pulumi version' failed: ${pulumi.out.split('\n')[0]})`);
  try {
    const sts = new STSClient({ region: REGION, maxAttempts: 1 });
    const identity = await Promise.race([
      sts.send(new GetCallerIdentityCommand({})),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 20 s')), 20_000).unref()),
    ]);
    console.log(`      AWS identity: ${identity.Arn} (region ${REGION})`);
  } catch (err) {
    reasons.push(`no usable AWS credentials (STS GetCallerIdentity failed: ${(err as Error).message.split('\n')[0]})`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** Fails early (and clearly) if a key the harness sets is not declared by the project. */
function assertDeclaredConfig(keys: string[]): void {
  const project = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, 'Pulumi.yaml'), 'utf8')) as { config?: Record<string, unknown> };
  const declared = Object.keys(project.config ?? {});
  const unknown = keys.filter((k) => !declared.includes(k));
  if (unknown.length > 0) throw new Error(`harness config ${unknown.join(', ')}: not declared in Pulumi.yaml (declared: ${declared.join(', ')})`);
}

function outputString(outputs: OutputMap, name: string): string {
  const value = outputs[name]?.value;
  if (typeof value !== 'string' || value === '') {
    throw new Error(`stack output '${name}': expected a non-empty string, got ${JSON.stringify(value)} (outputs: ${Object.keys(outputs).join(', ')})`);
  }
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Athena
// ---------------------------------------------------------------------------------------------

interface QueryRun {
  columns: string[];
  rows: Array<Record<string, string | undefined>>;
  bytesScanned: number;
}

async function athenaQuery(athena: AthenaClient, sql: string, workgroup: string, database: string): Promise<QueryRun> {
  const { QueryExecutionId: id } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workgroup, QueryExecutionContext: { Database: database } }),
  );
  if (!id) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
  const deadline = Date.now() + ATHENA_TIMEOUT_MS;
  for (;;) {
    const { QueryExecution: q } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = q?.Status?.State;
    if (state === QueryExecutionState.SUCCEEDED) {
      const result: QueryRun = { columns: [], rows: [], bytesScanned: q?.Statistics?.DataScannedInBytes ?? 0 };
      let token: string | undefined;
      let first = true;
      do {
        const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
        if (first) result.columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
        // The first row of a SELECT's first page repeats the column names.
        for (const row of (page.ResultSet?.Rows ?? []).slice(first ? 1 : 0)) {
          result.rows.push(Object.fromEntries(result.columns.map((c, i) => [c, row.Data?.[i]?.VarCharValue])));
        }
        first = false;
        token = page.NextToken;
      } while (token);
      return result;
    }
    if (state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED) {
      throw new Error(`Athena query ${id} ${state}: ${q?.Status?.StateChangeReason ?? 'no reason given'}\n${sql}`);
    }
    if (Date.now() > deadline) throw new Error(`Athena query ${id} still ${state} after ${ATHENA_TIMEOUT_MS / 60_000} minutes`);
    await sleep(2_000);
  }
}

const sumColumn = (run: QueryRun, column: string) => run.rows.reduce((total, row) => total + Number(row[column] ?? 'NaN'), 0);

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

describe('cloud integration: deploy, generate, transform, query, destroy (Automation API)', function () {
  this.timeout(3 * 60 * 60_000);

  const stackName = `it-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  let stateDir: string | undefined;
  let logFile = '';
  let stack: Stack | undefined;
  let outputs: OutputMap = {};
  let generated: { event_count: number; s3_key: string; bucket: string } | undefined;
  const results = new Map<string, QueryRun>();

  const log = (line: string) => {
    fs.appendFileSync(logFile, line);
    if (process.env.LAKEHOUSE_IT_VERBOSE === '1') process.stdout.write(line);
  };

  before(async function () {
    const missing = await missingPrerequisites();
    if (missing !== undefined) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const config = harnessConfig(stackName);
    assertDeclaredConfig(Object.keys(config));

    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-it-'));
    logFile = path.join(stateDir, 'pulumi.log');
    console.log(`      stack ${stackName}, state file://${stateDir}, log ${logFile}`);
    stack = await LocalWorkspace.createStack(
      { stackName, workDir: PROJECT_DIR },
      {
        envVars: {
          PULUMI_BACKEND_URL: `file://${stateDir}`,
          PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? 'lakehouse-integration-test',
          PULUMI_SKIP_UPDATE_CHECK: 'true',
        },
      },
    );
    await stack.setConfig('aws:region', { value: REGION });
    for (const [key, value] of Object.entries(config)) await stack.setConfig(key, { value });
    const up = await stack.up({ onOutput: log, onError: log });
    console.log(`      up: ${JSON.stringify(up.summary.resourceChanges)}`);
    outputs = await stack.outputs();
  });

  it('invokes the generator Lambda once and gets the file it wrote', async () => {
    const lambda = new LambdaClient({ region: REGION });
    const response = await lambda.send(new InvokeCommand({ FunctionName: outputString(outputs, 'generatorFunctionName'), InvocationType: 'RequestResponse' }));
    const payload = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    expect(response.FunctionError, `generator failed: ${payload}`).to.equal(undefined);
    generated = JSON.parse(payload) as typeof generated;
    expect(generated!.event_count).to.equal(EVENTS);
    expect(generated!.bucket).to.equal(outputString(outputs, 'sourceBucketName'));
    expect(generated!.s3_key).to.match(/^events\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/minute=\d{2}\/events-\d{8}-\d{6}\.jsonl\.gz$/);
  });

  it('runs the Glue ETL job to SUCCEEDED', async () => {
    expect(generated, 'the generator step must succeed first').to.not.equal(undefined);
    const glue = new GlueClient({ region: REGION });
    const jobName = outputString(outputs, 'glueJobName');
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: jobName }));
    const deadline = Date.now() + GLUE_TIMEOUT_MS;
    for (;;) {
      const { JobRun } = await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: JobRunId! }));
      const state = JobRun?.JobRunState;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'TIMEOUT' || state === 'STOPPED' || state === 'ERROR' || state === 'EXPIRED') {
        expect.fail(`Glue run ${JobRunId} ended ${state}: ${JobRun?.ErrorMessage ?? 'no error message'}`);
      }
      if (Date.now() > deadline) expect.fail(`Glue run ${JobRunId} still ${state} after ${GLUE_TIMEOUT_MS / 60_000} minutes`);
      await sleep(POLL_MS);
    }
  });

  it('runs the 5 deliverable queries through Athena, each returning rows', async () => {
    const athena = new AthenaClient({ region: REGION });
    const workgroup = outputString(outputs, 'athenaWorkgroup');
    const databases = outputs['databases']?.value as { gold?: string } | undefined;
    if (!databases?.gold) throw new Error(`stack output 'databases': expected an object with 'gold', got ${JSON.stringify(databases)}`);
    const queries = loadQueries();
    expect(queries.map((q) => q.id)).to.deep.equal([1, 2, 3, 4, 5]);
    for (const query of queries) {
      const result = await athenaQuery(athena, query.sql, workgroup, databases.gold);
      console.log(`      ${query.id}. ${query.name}: ${result.rows.length} rows, ${result.bytesScanned} bytes scanned`);
      expect(result.rows.length, `${query.name} returned no rows`).to.be.greaterThan(0);
      results.set(query.name, result);
    }
  });

  it("reconciles the query results with the generator's event_count", () => {
    expect(generated, 'the generator step must succeed first').to.not.equal(undefined);
    const userActivity = results.get('user_activity');
    const categories = results.get('category_performance');
    expect(userActivity, 'user_activity query results').to.not.equal(undefined);
    expect(categories, 'category_performance query results').to.not.equal(undefined);
    // No duplicates and no malformed lines were generated, so every line is one event in gold.
    expect(sumColumn(userActivity!, 'events'), 'user_activity: events summed over days').to.equal(generated!.event_count);
    // Searches count under the '(none)' category, so a day's categories add up to all its events.
    expect(sumColumn(categories!, 'events'), 'category_performance: events summed').to.equal(generated!.event_count);
    const byType = ['page_views', 'add_to_carts', 'remove_from_carts', 'purchases', 'searches'].reduce((t, c) => t + sumColumn(categories!, c), 0);
    expect(byType, 'category_performance: events by type summed').to.equal(generated!.event_count);
  });

  after(async function () {
    if (stack === undefined) return;
    let destroyed = false;
    try {
      const result = await stack.destroy({ onOutput: log, onError: log });
      console.log(`      destroy: ${JSON.stringify(result.summary.resourceChanges)}`);
      destroyed = true;
      await stack.workspace.removeStack(stackName);
    } catch (err) {
      console.error(`      cleanup failed: ${(err as Error).message.split('\n')[0]}`);
      console.error(
        `      the state (${stateDir}) and Pulumi.${stackName}.yaml are kept; finish by hand: ` +
          `PULUMI_BACKEND_URL=file://${stateDir} pulumi destroy --remove -s ${stackName} --cwd ${PROJECT_DIR}`,
      );
      throw err;
    } finally {
      if (destroyed) {
        // `stack rm` deletes the stack's config file; make sure none is left in the project folder.
        fs.rmSync(path.join(PROJECT_DIR, `Pulumi.${stackName}.yaml`), { force: true });
        if (stateDir !== undefined) fs.rmSync(stateDir, { recursive: true, force: true });
      }
    }
  });
});
