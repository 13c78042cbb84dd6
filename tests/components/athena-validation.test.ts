/**
 * AthenaValidation: the provider's methods against aws-sdk-client-mock (no AWS), the input
 * builder against the shared check definitions, and the resource under pulumi.runtime.setMocks
 * (which serializes the dynamic provider for real; the serialized copy is then run).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  AthenaClient,
  AthenaClientResolvedConfig,
  ServiceInputTypes,
  ServiceOutputTypes,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InternalServerException,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { GetJobRunsCommand, GlueClient, JobRun } from '@aws-sdk/client-glue';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as pulumi from '@pulumi/pulumi';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { TrinoSQL } from 'dt-sql-parser';
import { CHECKS, queryChecks, renderCheckWindow, windowEndingOn } from '../../etl/checks';
import { TABLES } from '../../etl/schema';
import { loadQueries } from '../../queries';
import {
  ATHENA_VALIDATION_TYPE,
  AthenaValidation,
  buildValidationInputs,
  computeRunToken,
  defaultValidationChecks,
  renderChecksForAthena,
  validationDiagnostics,
} from '../../components/athena-validation';
import {
  AthenaValidationInputs,
  AthenaValidationOutputs,
  AthenaValidationProvider,
  backoffMs,
  fetchResultRows,
  firstLine,
  RETRY_POLICY,
  RunDeps,
  ValidationCheck,
} from '../../components/athena-validation-provider';
import { JOB_POLL_MS } from '../../components/glue-run-wait';

/**
 * Mocks every AthenaClient's `send` while this file's tests run, and restores it after, so other
 * test files in the same mocha process get their own mocks.
 */
let athena: AwsStub<ServiceInputTypes, ServiceOutputTypes, AthenaClientResolvedConfig>;

// ---------------------------------------------------------------------------------------------
// Fixtures: a fake clock that sleeping advances, and a scripted Athena
// ---------------------------------------------------------------------------------------------

const T0 = Date.parse('2026-11-27T04:00:00.000Z');

interface FakeTime {
  readonly deps: Partial<RunDeps>;
  readonly sleeps: number[];
  now(): number;
}

/** Sleeping advances the clock instantly: backoffs and timeouts cost no real time. */
function fakeTime(): FakeTime {
  let clock = T0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => clock,
    deps: {
      now: () => clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
      },
      random: () => 0.5,
    },
  };
}

const DATABASES = { bronze: 'bronze_s1', silver: 'silver_s1', gold: 'gold_s1' };

const structuralCheck: ValidationCheck = {
  id: 'gold_tables_readable',
  kind: 'structural',
  description: 'every gold table can be read',
  sql: "SELECT 0 AS failures, 5 AS rows_checked, '5 tables' AS observed\nFROM gold_s1.product_funnel",
  database: 'gold_s1',
};
const dataCheck: ValidationCheck = {
  id: 'silver_events_unique',
  kind: 'data',
  description: 'no event twice in silver',
  sql: "-- duplicates in silver\nSELECT count(*) - count(DISTINCT (event_ts, user_id, session_id)) AS failures, count(*) AS rows_checked, 'x' AS observed FROM silver_s1.events",
  database: 'gold_s1',
};

function inputs(overrides: Partial<AthenaValidationInputs> = {}): AthenaValidationInputs {
  return {
    region: 'eu-west-1',
    workgroup: 'lakehouse_s1',
    databases: DATABASES,
    checks: [structuralCheck, dataCheck],
    failOnError: true,
    timeoutSeconds: 60,
    maxConcurrency: 2,
    runToken: 'a'.repeat(64),
    ...overrides,
  };
}

type Row = [failures: string | null, rowsChecked: string | null, observed: string | null];

/** What one check's query does: its final state (after `running` polls) and its one result row. */
interface Script {
  running?: number;
  state?: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  reason?: string;
  retryable?: boolean;
  row?: Row;
  bytes?: number;
}

/**
 * Scripts Athena per check (matched by QueryString). A check id may map to a list of scripts:
 * one per query execution (for retried executions).
 */
function scriptAthena(scripts: Record<string, Script | Script[]>, checks: readonly ValidationCheck[] = [structuralCheck, dataCheck]) {
  const executions = new Map<string, { script: Script; polls: number }>();
  const started = new Map<string, number>();
  athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
    const check = checks.find((c) => c.sql === input.QueryString);
    if (!check) throw new Error(`unexpected query ${input.QueryString}`);
    const n = started.get(check.id) ?? 0;
    started.set(check.id, n + 1);
    const list = ([] as Script[]).concat(scripts[check.id]);
    const id = `${check.id}-exec-${n + 1}`;
    executions.set(id, { script: list[Math.min(n, list.length - 1)], polls: 0 });
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
    const exec = executions.get(input.QueryExecutionId)!;
    exec.polls++;
    const { script } = exec;
    const done = exec.polls > (script.running ?? 0);
    return {
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        Status: done
          ? {
              State: script.state ?? QueryExecutionState.SUCCEEDED,
              StateChangeReason: script.reason,
              ...(script.retryable === undefined ? {} : { AthenaError: { ErrorCategory: 1, Retryable: script.retryable, ErrorMessage: script.reason } }),
            }
          : { State: QueryExecutionState.RUNNING },
        Statistics: { DataScannedInBytes: script.bytes ?? 1024 },
      },
    };
  });
  athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
    const { script } = executions.get(input.QueryExecutionId)!;
    const row = script.row ?? ['0', '10', 'ok'];
    return { ResultSet: { Rows: [header(), dataRow(row)] } };
  });
  return { started };
}

const header = () => ({ Data: [{ VarCharValue: 'failures' }, { VarCharValue: 'rows_checked' }, { VarCharValue: 'observed' }] });
const dataRow = (row: Row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) });

async function expectRejection(promise: Promise<unknown>): Promise<Error & { id?: string; properties?: AthenaValidationOutputs }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { id?: string; properties?: AthenaValidationOutputs };
  }
  throw new Error('expected the promise to reject');
}

describe('AthenaValidation', () => {
  before(() => {
    athena = mockClient(AthenaClient);
  });
  after(() => athena.restore());
  beforeEach(() => athena.reset());

  // ---------------------------------------------------------------------------------------------
  // Provider methods against a mocked Athena
  // ---------------------------------------------------------------------------------------------

  describe('AthenaValidationProvider (aws-sdk-client-mock)', () => {
    it('runs every check in the workgroup and database, polling until SUCCEEDED, and reports per-check outputs', async () => {
      const time = fakeTime();
      scriptAthena({
        gold_tables_readable: { running: 2, row: ['0', '5', '5 tables'], bytes: 2048 },
        silver_events_unique: { running: 1, row: ['0', '1200', '1200 events'], bytes: 4096 },
      });
      const provider = new AthenaValidationProvider(time.deps);
      const { id, outs } = await provider.create(inputs());

      expect(id).to.equal(`athena-validation-${'a'.repeat(16)}`);
      const starts = athena.commandCalls(StartQueryExecutionCommand);
      expect(starts).to.have.length(2);
      for (const call of starts) {
        expect(call.args[0].input.WorkGroup).to.equal('lakehouse_s1');
        expect(call.args[0].input.QueryExecutionContext).to.deep.equal({ Database: 'gold_s1' });
        expect(call.args[0].input.ResultReuseConfiguration?.ResultReuseByAgeConfiguration?.Enabled).to.equal(false);
      }
      expect(outs.results.map((r: { id: string; status: string }) => [r.id, r.status])).to.deep.equal([
        ['gold_tables_readable', 'pass'],
        ['silver_events_unique', 'pass'],
      ]);
      const [first, second] = outs.results;
      expect(first).to.include({
        observed: '5 tables',
        failures: 0,
        rowsChecked: 5,
        bytesScanned: 2048,
        executionId: 'gold_tables_readable-exec-1',
        ranAt: new Date(T0).toISOString(),
        attempts: 1,
      });
      expect(second).to.include({ observed: '1200 events', bytesScanned: 4096, executionId: 'silver_events_unique-exec-1' });
      expect(outs.summary).to.include({ status: 'pass', checks: 2, passed: 2, failed: 0, errored: 0, noData: 0, bytesScanned: 6144, runToken: 'a'.repeat(64) });
      // Poll backoff grows (0.5 s, then 0.75 s) instead of hammering GetQueryExecution.
      expect(time.sleeps).to.include.members([500, 750]);
      expect(JSON.stringify(outs)).to.not.match(/secret|accessKey|password/i);
    });

    it('fails the update naming the check, the first line, the StateChangeReason and the execution id; the results still reach the state', async () => {
      const time = fakeTime();
      const reason = "TABLE_NOT_FOUND: line 3:6: Table 'awsdatacatalog.silver_s1.events' does not exist";
      scriptAthena({ gold_tables_readable: {}, silver_events_unique: { state: 'FAILED', reason, retryable: false } });
      const provider = new AthenaValidationProvider(time.deps);

      const error = await expectRejection(provider.create({ ...inputs(), __provider: 'serialized provider' } as AthenaValidationInputs));
      expect(error.message).to.contain('silver_events_unique');
      expect(error.message).to.contain('query "-- duplicates in silver SELECT count(*) - count(DISTINCT (event_ts, user_id, session_id)) AS failures');
      expect(error.message).to.contain(reason);
      expect(error.message).to.contain('QueryExecutionId silver_events_unique-exec-1');
      expect(error.message).to.not.contain('gold_tables_readable'); // only checks that did not pass are listed
      // Packed as a resource-init failure: Pulumi records the outputs and retries on the next `up`.
      expect(error.id).to.equal(`athena-validation-${'a'.repeat(16)}`);
      expect(error.properties?.results.map((r) => r.status)).to.deep.equal(['pass', 'error']);
      expect(error.properties?.summary).to.include({ status: 'fail', errored: 1 });
      // The failure's stored properties keep the serialized provider, so destroy/refresh can load it.
      expect((error.properties as unknown as { __provider?: string }).__provider).to.equal('serialized provider');
      expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(2); // not retried: Athena says not retryable
    });

    it('retries throttled API calls with growing jittered backoff, then succeeds', async () => {
      const time = fakeTime();
      const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {}, Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' });
      athena
        .on(StartQueryExecutionCommand)
        .rejectsOnce(throttled())
        .rejectsOnce(throttled())
        .rejectsOnce(new InternalServerException({ message: 'internal', $metadata: {} }))
        .resolves({ QueryExecutionId: 'q-1' });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 10 } } });
      athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header(), dataRow(['0', '3', 'fine'])] } });
      const provider = new AthenaValidationProvider(time.deps);

      const { outs } = await provider.create(inputs({ checks: [structuralCheck] }));

      expect(outs.results[0]).to.include({ status: 'pass', executionId: 'q-1' });
      expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(4);
      // random()=0.5 -> 3/4 of base*2^attempt: 375, 750, 1500 ms
      expect(time.sleeps.slice(0, 3)).to.deep.equal([0, 1, 2].map((a) => backoffMs(a, RETRY_POLICY.apiBaseMs, RETRY_POLICY.apiCapMs, () => 0.5)));
      expect(time.sleeps.slice(0, 3)).to.deep.equal([375, 750, 1500]);
    });

    it('resubmits a query whose failure Athena marks Retryable, and reports success', async () => {
      const time = fakeTime();
      const { started } = scriptAthena({
        gold_tables_readable: [{ state: 'FAILED', reason: 'GENERIC_INTERNAL_ERROR: temporary', retryable: true }, { row: ['0', '5', 'ok'] }],
        silver_events_unique: {},
      });
      const { outs } = await new AthenaValidationProvider(time.deps).create(inputs());
      expect(started.get('gold_tables_readable')).to.equal(2);
      expect(outs.results[0]).to.include({ status: 'pass', attempts: 2, executionId: 'gold_tables_readable-exec-2' });
    });

    it('gives up on a query after the timeout and calls StopQueryExecution', async () => {
      const time = fakeTime();
      scriptAthena({ gold_tables_readable: { running: 1_000_000 }, silver_events_unique: {} });
      athena.on(StopQueryExecutionCommand).resolves({});
      const provider = new AthenaValidationProvider(time.deps);

      const error = await expectRejection(provider.create(inputs({ timeoutSeconds: 30 })));

      const stops = athena.commandCalls(StopQueryExecutionCommand);
      expect(stops.map((c) => c.args[0].input.QueryExecutionId)).to.deep.equal(['gold_tables_readable-exec-1']);
      expect(error.message).to.match(/gold_tables_readable: timed out: still RUNNING after the 30s timeout/);
      expect(error.message).to.contain('QueryExecutionId gold_tables_readable-exec-1');
      expect(error.properties?.results[1].status).to.equal('pass');
      // The poll stopped within the timeout: no sleep past 30 s of (fake) time, delays capped at 5 s.
      expect(time.sleeps.reduce((a, b) => a + b, 0)).to.be.at.most(30_000);
      expect(Math.max(...time.sleeps)).to.be.at.most(RETRY_POLICY.pollCapMs);
    });

    it('follows NextToken across result pages and parses rows by the header row', async () => {
      const time = fakeTime();
      athena
        .on(GetQueryResultsCommand, { QueryExecutionId: 'q-9', NextToken: undefined })
        .resolves({
          ResultSet: {
            Rows: [{ Data: [{ VarCharValue: 'day' }, { VarCharValue: 'events' }] }, { Data: [{ VarCharValue: '2026-11-01' }, { VarCharValue: '10' }] }],
          },
          NextToken: 'page-2',
        })
        .on(GetQueryResultsCommand, { QueryExecutionId: 'q-9', NextToken: 'page-2' })
        .resolves({ ResultSet: { Rows: [{ Data: [{ VarCharValue: '2026-11-02' }, {}] }] }, NextToken: 'page-3' })
        .on(GetQueryResultsCommand, { QueryExecutionId: 'q-9', NextToken: 'page-3' })
        .resolves({ ResultSet: { Rows: [{ Data: [{ VarCharValue: '2026-11-03' }, { VarCharValue: '7' }] }] } });

      const rows = await fetchResultRows(
        new AthenaClient({ region: 'eu-west-1' }),
        'q-9',
        { createClient: () => new AthenaClient({}), sleep: time.deps.sleep!, now: time.now, random: () => 0.5 },
        T0 + 60_000,
      );

      expect(rows).to.deep.equal([
        { day: '2026-11-01', events: '10' },
        { day: '2026-11-02', events: null },
        { day: '2026-11-03', events: '7' },
      ]);
      expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, 'page-2', 'page-3']);
    });

    it('reads a check result row from a second page (header alone on the first)', async () => {
      const time = fakeTime();
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
      athena
        .on(GetQueryResultsCommand, { NextToken: undefined })
        .resolves({ ResultSet: { Rows: [header()] }, NextToken: 't2' })
        .on(GetQueryResultsCommand, { NextToken: 't2' })
        .resolves({ ResultSet: { Rows: [dataRow(['2', '40', '2 duplicated keys'])] } });
      const { outs } = await new AthenaValidationProvider(time.deps).create(inputs({ checks: [dataCheck], failOnError: false }));
      expect(outs.results[0]).to.include({ status: 'fail', failures: 2, rowsChecked: 40, observed: '2 duplicated keys' });
    });

    it('on an empty lake reports data checks as no-data while structural checks pass', async () => {
      const time = fakeTime();
      scriptAthena({ gold_tables_readable: { row: ['0', '0', 'no tables empty'] }, silver_events_unique: { row: ['0', '0', '0 events'] } });
      const { outs } = await new AthenaValidationProvider(time.deps).create(inputs());
      expect(outs.results.map((r: { status: string }) => r.status)).to.deep.equal(['pass', 'no-data']);
      expect(outs.summary).to.include({ status: 'pass', passed: 1, noData: 1 });
    });

    it('with failOnError=false returns fail/error statuses as outputs instead of throwing', async () => {
      const time = fakeTime();
      scriptAthena({
        gold_tables_readable: { state: 'FAILED', reason: 'SYNTAX_ERROR: line 1:8: Column x cannot be resolved', retryable: false },
        silver_events_unique: { row: ['3', '1200', '3 duplicated keys'] },
      });
      const { outs } = await new AthenaValidationProvider(time.deps).create(inputs({ failOnError: false }));
      expect(outs.results.map((r: { status: string }) => r.status)).to.deep.equal(['error', 'fail']);
      expect(outs.results[0].message).to.contain('SYNTAX_ERROR: line 1:8');
      expect(outs.results[1].message).to.contain('silver_events_unique').and.contain('failures=3');
      expect(outs.summary).to.include({ status: 'fail', failed: 1, errored: 1 });
      expect(outs.summary.failedChecks).to.deep.equal(['gold_tables_readable', 'silver_events_unique']);
    });

    it('reports a query that returns no row as an error, not a pass', async () => {
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-0' });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
      athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header()] } });
      const { outs } = await new AthenaValidationProvider(fakeTime().deps).create(inputs({ checks: [structuralCheck], failOnError: false }));
      expect(outs.results[0].status).to.equal('error');
      expect(outs.results[0].message).to.contain('expected exactly one result row');
    });

    it('reports a non-retryable API error (e.g. a missing workgroup) without retrying it', async () => {
      const time = fakeTime();
      athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('WorkGroup lakehouse_s1 is not found.'), { name: 'InvalidRequestException' }));
      const error = await expectRejection(new AthenaValidationProvider(time.deps).create(inputs({ checks: [structuralCheck] })));
      expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(1);
      expect(time.sleeps).to.deep.equal([]);
      expect(error.message).to.contain('gold_tables_readable: Athena API error: InvalidRequestException: WorkGroup lakehouse_s1 is not found.');
      expect(error.message).to.contain('QueryExecutionId (none)');
    });

    it('names a query by its first line, continued past a bare keyword, at most 120 characters', () => {
      expect(firstLine('\n  SELECT a FROM t WHERE x = 1 AND y = 2 AND z = 3 AND w = 4 AND v = 5\nGROUP BY a')).to.equal(
        'SELECT a FROM t WHERE x = 1 AND y = 2 AND z = 3 AND w = 4 AND v = 5',
      );
      expect(firstLine('SELECT\n  count(*) AS failures,\n  0 AS rows_checked\nFROM t')).to.equal('SELECT count(*) AS failures, 0 AS rows_checked FROM t');
      const long = firstLine(`SELECT ${'x, '.repeat(100)}y FROM t`);
      expect(long).to.have.length(120);
      expect(long.endsWith('...')).to.equal(true);
    });

    describe('reads committed data only: waits for the Glue job (mocked Glue)', () => {
      const glue = mockClient(GlueClient);
      after(() => glue.restore());
      beforeEach(() => glue.reset());

      /** GetJobRuns answers from a list of pages, one per call (the last one repeats). */
      function glueRuns(...answers: JobRun[][]) {
        let call = 0;
        glue.on(GetJobRunsCommand).callsFake(() => ({ JobRuns: answers[Math.min(call++, answers.length - 1)] }));
      }
      const finished: JobRun = { Id: 'jr_done', JobRunState: 'SUCCEEDED', StartedOn: new Date(T0 - 3_600_000) };

      it('waits while a run is RUNNING, then runs the checks once the job is idle', async () => {
        const time = fakeTime();
        scriptAthena({ gold_tables_readable: {}, silver_events_unique: {} });
        const running: JobRun = { Id: 'jr_busy', JobRunState: 'RUNNING', StartedOn: new Date(T0 - 60_000) };
        glueRuns([running, finished], [running, finished], [{ ...running, JobRunState: 'SUCCEEDED' }, finished]);
        const { outs } = await new AthenaValidationProvider(time.deps).create({ ...inputs(), glueJobName: 'lakehouse_etl_s1', jobWaitSeconds: 600 });
        expect(outs.summary.status).to.equal('pass');
        expect(glue.commandCalls(GetJobRunsCommand)[0].args[0].input).to.deep.include({ JobName: 'lakehouse_etl_s1' });
        // Two polls found the run going; Athena was asked only after the job went quiet.
        expect(time.sleeps.filter((ms) => ms === JOB_POLL_MS)).to.have.length(2);
        expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(2);
      });

      it('a run still going after jobWaitSeconds: no query is started and every check is an error naming the run and the setting', async () => {
        const time = fakeTime();
        scriptAthena({ gold_tables_readable: {}, silver_events_unique: {} });
        glueRuns([{ Id: 'jr_long', JobRunState: 'RUNNING', StartedOn: new Date(T0) }]);
        const error = await expectRejection(
          new AthenaValidationProvider(time.deps).create({ ...inputs(), glueJobName: 'lakehouse_etl_s1', jobWaitSeconds: 90 }),
        );
        expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(0);
        expect(error.message).to.contain('Glue job lakehouse_etl_s1 run jr_long is still RUNNING after 90s (validationJobWaitSeconds 90)');
        expect(error.properties!.results.map((r) => r.status)).to.deep.equal(['error', 'error']);
        expect(time.now() - T0).to.be.at.most(90_000);
      });

      it('a run that started while the checks read: the checks run again on the quiet lake', async () => {
        const time = fakeTime();
        const { started } = scriptAthena({ gold_tables_readable: {}, silver_events_unique: {} });
        // Round 1 finds the job idle; afterwards Glue reports a run that started while the checks
        // read. Round 2 again finds it idle, and after it no run started since round 2 began.
        let round2Start = 0;
        glue.on(GetJobRunsCommand).callsFake(() => {
          const call = glue.commandCalls(GetJobRunsCommand).length;
          if (call === 1) return { JobRuns: [finished] };
          if (call === 2) return { JobRuns: [{ Id: 'jr_sneaked', JobRunState: 'SUCCEEDED', StartedOn: new Date(time.now()) }, finished] };
          if (call === 3) round2Start = time.now();
          return { JobRuns: [{ Id: 'jr_sneaked', JobRunState: 'SUCCEEDED', StartedOn: new Date(round2Start - 1000) }, finished] };
        });
        const { outs } = await new AthenaValidationProvider(time.deps).create({ ...inputs(), glueJobName: 'lakehouse_etl_s1' });
        expect(outs.summary.status).to.equal('pass');
        expect(started.get('silver_events_unique')).to.equal(2);
        expect(glue.commandCalls(GetJobRunsCommand)).to.have.length(4);
      });

      it('without glueJobName nothing asks Glue', async () => {
        const time = fakeTime();
        scriptAthena({ gold_tables_readable: {}, silver_events_unique: {} });
        await new AthenaValidationProvider(time.deps).create(inputs());
        expect(glue.commandCalls(GetJobRunsCommand)).to.have.length(0);
      });
    });

    it('honours the stack credentials: Athena and Glue clients sign with the role of aws:assumeRoles', async () => {
      const time = fakeTime();
      scriptAthena({ gold_tables_readable: {}, silver_events_unique: {} });
      const sts = mockClient(STSClient);
      const glue = mockClient(GlueClient);
      try {
        sts
          .on(AssumeRoleCommand)
          .resolves({ Credentials: { AccessKeyId: 'AKIADEPLOYER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(T0 + 3_600_000) } });
        glue.on(GetJobRunsCommand).resolves({ JobRuns: [] });
        // The default client factories (no createClient override): what a deployment runs.
        const { sleep, now, random } = time.deps;
        const credentials = { assumeRoles: [{ roleArn: 'arn:aws:iam::123456789012:role/deployer' }] };
        await new AthenaValidationProvider({ sleep, now, random }).create({ ...inputs(), credentials, glueJobName: 'lakehouse_etl_s1' });
        const athenaClient = athena.commandCalls(StartQueryExecutionCommand)[0].thisValue as AthenaClient;
        expect((await athenaClient.config.credentials()).accessKeyId).to.equal('AKIADEPLOYER');
        expect(await athenaClient.config.region()).to.equal('eu-west-1');
        const glueClient = glue.commandCalls(GetJobRunsCommand)[0].thisValue as GlueClient;
        expect((await glueClient.config.credentials()).accessKeyId).to.equal('AKIADEPLOYER');
        expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleArn).to.equal('arn:aws:iam::123456789012:role/deployer');
      } finally {
        sts.restore();
        glue.restore();
      }
    });

    it('update re-runs the checks with the new inputs', async () => {
      scriptAthena({ gold_tables_readable: {}, silver_events_unique: {} });
      const provider = new AthenaValidationProvider(fakeTime().deps);
      const olds = (await provider.create(inputs())).outs as AthenaValidationOutputs;
      athena.resetHistory();
      const { outs } = await provider.update('id-1', olds, inputs({ runToken: 'b'.repeat(64) }));
      expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(2);
      expect(outs?.summary.runToken).to.equal('b'.repeat(64));
    });

    it('diff: no change when runToken and inputs are the same, a change when runToken differs; never calls Athena', async () => {
      const provider = new AthenaValidationProvider(fakeTime().deps);
      const olds = { ...inputs(), results: [], summary: {}, __provider: 'old provider text' };
      const same = { ...inputs(), __provider: 'new provider text' };
      expect(await provider.diff('id-1', olds, same)).to.include({ changes: false });
      expect(await provider.diff('id-1', olds, { ...same, runToken: 'c'.repeat(64) })).to.deep.include({ changes: true, replaces: [] });
      expect((await provider.diff('id-1', olds, { ...same, workgroup: 'other' })).changes).to.equal(true);
      // Key order of nested objects is not a change.
      expect((await provider.diff('id-1', olds, { ...same, databases: { gold: 'gold_s1', silver: 'silver_s1', bronze: 'bronze_s1' } })).changes).to.equal(
        false,
      );
      expect(athena.calls()).to.have.length(0);
    });

    it('read returns the last results from the state without querying; delete touches nothing', async () => {
      const provider = new AthenaValidationProvider(fakeTime().deps);
      const state = { ...inputs(), results: [{ id: 'x', status: 'pass' }], summary: { status: 'pass' } } as unknown as AthenaValidationOutputs;
      expect(await provider.read('id-1', state)).to.deep.equal({ id: 'id-1', props: state });
      await provider.delete('id-1', state);
      expect(athena.calls()).to.have.length(0);
    });

    it('check fills defaults and names each bad input', async () => {
      const provider = new AthenaValidationProvider();
      const { failOnError: _f, timeoutSeconds: _t, maxConcurrency: _m, ...bare } = inputs();
      const ok = await provider.check({}, bare);
      expect(ok.failures).to.deep.equal([]);
      expect(ok.inputs).to.include({ failOnError: true, timeoutSeconds: 300, maxConcurrency: 4 });
      // A user's explicit false and small numbers survive the defaults.
      expect((await provider.check({}, { ...bare, failOnError: false, timeoutSeconds: 1 })).inputs).to.include({ failOnError: false, timeoutSeconds: 1 });

      const bad = await provider.check(
        {},
        { ...inputs(), timeoutSeconds: 0, workgroup: '', checks: [dataCheck, dataCheck, { ...structuralCheck, sql: 'SELECT * FROM {{silver.events}}' }] },
      );
      const reasons = bad.failures!.map((f) => f.reason);
      expect(reasons).to.include('timeoutSeconds: expected an integer from 1 to 3600, got 0');
      expect(reasons).to.include('workgroup: expected a non-empty string, got ""');
      expect(reasons.some((r) => r.includes('duplicate check id'))).to.equal(true);
      expect(reasons.some((r) => r.includes('placeholder'))).to.equal(true);
      // Unknown values during preview are not errors.
      const unknown = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
      expect((await provider.check({}, { ...inputs(), runToken: unknown, databases: unknown })).failures).to.deep.equal([]);
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Inputs: shared checks rendered for Athena, runToken
  // ---------------------------------------------------------------------------------------------

  /** A throw-away project root with the files the runToken covers. */
  function projectFixture(): string {
    const root = mkdtempSync(path.join(tmpdir(), 'athena-validation-'));
    mkdirSync(path.join(root, 'etl/glue'), { recursive: true });
    mkdirSync(path.join(root, 'etl/sql'), { recursive: true });
    mkdirSync(path.join(root, 'queries'), { recursive: true });
    writeFileSync(path.join(root, 'etl/glue/job.py'), 'print("job")\n');
    writeFileSync(path.join(root, 'etl/glue/lineage.py'), 'X = 1\n');
    writeFileSync(path.join(root, 'etl/sql/silver_events.sql'), 'SELECT 1\n');
    writeFileSync(path.join(root, 'etl/sql/notes.txt'), 'not hashed\n');
    writeFileSync(path.join(root, 'queries/queries.sql'), '-- Q1\nSELECT 1;\n');
    return root;
  }

  describe('AthenaValidation inputs', () => {
    const roots: string[] = [];
    after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
    const fixture = () => {
      const root = projectFixture();
      roots.push(root);
      return root;
    };

    it('renders every shared check and the 5 query checks with <database>_<id>.<table> names', () => {
      const built = buildValidationInputs({ region: 'eu-west-1', workgroup: 'wg', databases: DATABASES });
      const expectedIds = [...CHECKS, ...queryChecks(loadQueries())].map((c) => c.id);
      expect(built.checks.map((c) => c.id)).to.deep.equal(expectedIds);
      expect(queryChecks(loadQueries())).to.have.length(5);
      for (const check of built.checks) {
        // Table names are rendered; the window placeholders stay until the provider runs.
        expect(check.sql, check.id).to.not.match(/\{\{(?!window\.)/);
        expect(check.sql, check.id).to.not.match(/;\s*$/);
        expect(check.database).to.equal('gold_s1');
      }
      // Every table a shared check names appears qualified with its per-stack database.
      const silverEvents = TABLES.find((t) => t.id === 'silver.events')!;
      const usesSilver = CHECKS.filter((c) => c.sql.includes('{{silver.events}}'));
      expect(usesSilver.length).to.be.greaterThan(0);
      for (const c of usesSilver) expect(built.checks.find((b) => b.id === c.id)!.sql).to.contain(`silver_s1.${silverEvents.name}`);
      expect(built).to.include({ failOnError: true, timeoutSeconds: 300, maxConcurrency: 4 });
      expect(built.runToken).to.match(/^[0-9a-f]{64}$/);
    });

    it('every check rendered for Athena parses with the Trino grammar', () => {
      const built = buildValidationInputs({ region: 'eu-west-1', workgroup: 'wg', databases: DATABASES });
      const parser = new TrinoSQL();
      const window = windowEndingOn('2025-11-19', 2);
      const broken = built.checks.map((c) => ({ id: c.id, errors: parser.validate(renderCheckWindow(c.sql, window)) })).filter((c) => c.errors.length > 0);
      expect(broken).to.deep.equal([]);
      // The grammar check is not vacuous.
      expect(parser.validate('SELECT failures, FROM silver_s1.events')).to.not.deep.equal([]);
    });

    it('keeps a user false/0-like option instead of the default', () => {
      const built = buildValidationInputs({ region: 'r', workgroup: 'wg', databases: DATABASES, failOnError: false, timeoutSeconds: 1, maxConcurrency: 1 });
      expect(built).to.include({ failOnError: false, timeoutSeconds: 1, maxConcurrency: 1 });
    });

    it('runToken is deterministic and changes with each thing the checks depend on', () => {
      const root = fixture();
      const checks = renderChecksForAthena(defaultValidationChecks(), DATABASES);
      const base = computeRunToken(checks, root);
      expect(computeRunToken(renderChecksForAthena(defaultValidationChecks(), DATABASES), root)).to.equal(base);

      const variants: Array<[string, () => string]> = [
        ['glue helper module', () => (writeFileSync(path.join(root, 'etl/glue/lineage.py'), 'X = 2\n'), computeRunToken(checks, root))],
        ['transform SQL', () => (writeFileSync(path.join(root, 'etl/sql/silver_events.sql'), 'SELECT 2\n'), computeRunToken(checks, root))],
        ['new SQL file', () => (writeFileSync(path.join(root, 'etl/sql/gold_x.sql'), 'SELECT 3\n'), computeRunToken(checks, root))],
        ['queries.sql', () => (writeFileSync(path.join(root, 'queries/queries.sql'), '-- Q1\nSELECT 2;\n'), computeRunToken(checks, root))],
        ['database names', () => computeRunToken(renderChecksForAthena(defaultValidationChecks(), { ...DATABASES, silver: 'silver_s2' }), root)],
        ['a check', () => computeRunToken(checks.slice(1), root)],
        ['trigger', () => computeRunToken(checks, root, 'after-first-load')],
      ];
      const seen = new Set([base]);
      let previous = base;
      for (const [what, next] of variants) {
        const token = next();
        expect(token, what).to.not.equal(previous);
        expect(seen.has(token), what).to.equal(false);
        seen.add(token);
        if (what !== 'database names' && what !== 'a check' && what !== 'trigger') previous = token;
      }
      // A non-SQL file in etl/sql and CRLF line endings do not change it.
      const now = computeRunToken(checks, root);
      writeFileSync(path.join(root, 'etl/sql/notes.txt'), 'edited\n');
      writeFileSync(path.join(root, 'etl/glue/job.py'), 'print("job")\r\n');
      expect(computeRunToken(checks, root)).to.equal(now);
    });

    it('turns a failed summary into one warning per check that did not pass (warn-only mode)', async () => {
      scriptAthena({ gold_tables_readable: { state: 'CANCELLED', reason: 'Query cancelled by user' }, silver_events_unique: { row: ['0', '0', 'empty'] } });
      const { outs } = await new AthenaValidationProvider(fakeTime().deps).create(inputs({ failOnError: false }));
      const lines = validationDiagnostics(outs.summary, outs.results);
      expect(lines.map((l) => l.level)).to.deep.equal(['warn', 'warn']);
      expect(lines[1].message).to.contain('[error] check gold_tables_readable: Athena CANCELLED: Query cancelled by user');
      const passing = validationDiagnostics({ ...outs.summary, status: 'pass', failedChecks: [], passed: 1 }, []);
      expect(passing).to.deep.equal([
        {
          level: 'info',
          message: 'Athena validation: 1 of 2 checks passed; 1 data checks found no data yet (they run again when the runToken or trigger changes)',
        },
      ]);
    });

    it('names the missing file when the project lacks what the runToken covers', () => {
      const root = fixture();
      rmSync(path.join(root, 'queries/queries.sql'));
      expect(() => computeRunToken([], root)).to.throw(/runToken: cannot read queries\/queries.sql/);
      rmSync(path.join(root, 'etl/glue'), { recursive: true });
      expect(() => computeRunToken([], root)).to.throw(/expected at least one etl\/glue\/\*\.py/);
    });
  });

  // ---------------------------------------------------------------------------------------------
  // The resource under pulumi.runtime.setMocks, and its serialized provider
  // ---------------------------------------------------------------------------------------------

  function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
  }

  /** Loads serialized provider text the way the dynamic-provider host does (a module, `handler()`). */
  function loadSerialized(text: string): AthenaValidationProvider {
    const filename = path.join(__dirname, '..', '..', '__serialized_athena_validation_provider.js');
    const mod = new Module(filename) as Module & { _compile(code: string, file: string): void; paths: string[] };
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
    mod._compile(text, filename);
    return (mod.exports as { handler: () => AthenaValidationProvider }).handler();
  }

  describe('AthenaValidation resource (pulumi.runtime.setMocks)', function () {
    this.timeout(120_000);
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    let root: string;

    before(() => {
      root = projectFixture();
      pulumi.runtime.setMocks(
        {
          newResource: (args) => {
            registered.push(args);
            return { id: `${args.name}-id`, state: { ...args.inputs, summary: { status: 'pass', checks: 2, passed: 2, failedChecks: [], noData: 0 } } };
          },
          call: (args) => args.inputs,
        },
        'lakehouse',
        'test',
        false,
      );
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('registers with its own type name, the rendered checks and the runToken, and a serialized provider', async () => {
      const checks = [
        {
          id: 'tables_readable',
          kind: 'structural' as const,
          description: 'gold readable',
          sql: "SELECT 0 AS failures, 1 AS rows_checked, 'ok' AS observed FROM {{gold.product_funnel}};",
        },
      ];
      const validation = new AthenaValidation('validation', {
        region: 'eu-west-1',
        workgroup: pulumi.output('lakehouse_s1'),
        databases: DATABASES,
        checks,
        failOnError: false,
        timeoutSeconds: 120,
        projectRoot: root,
      });
      const token = await outputValue(validation.runToken);
      await outputValue(validation.urn);

      const mine = registered.filter((r) => r.type === ATHENA_VALIDATION_TYPE);
      expect(ATHENA_VALIDATION_TYPE).to.equal('pulumi-nodejs:dynamic/lakehouse:AthenaValidation');
      expect(mine).to.have.length(1);
      const inputsSeen = mine[0].inputs as Record<string, unknown>;
      const expected = buildValidationInputs({
        region: 'eu-west-1',
        workgroup: 'lakehouse_s1',
        databases: DATABASES,
        checks,
        failOnError: false,
        timeoutSeconds: 120,
        projectRoot: root,
      });
      expect(token).to.equal(expected.runToken);
      expect(inputsSeen).to.deep.include({ runToken: expected.runToken, workgroup: 'lakehouse_s1', failOnError: false, timeoutSeconds: 120 });
      expect((inputsSeen.checks as ValidationCheck[])[0].sql).to.equal("SELECT 0 AS failures, 1 AS rows_checked, 'ok' AS observed FROM gold_s1.product_funnel");
      expect(inputsSeen.__provider).to.be.a('string').and.contain('exports.handler');
      expect(inputsSeen.__provider as string).to.not.match(/AKIA|aws_secret/i);
    });

    it('the serialized provider runs on its own: diff needs no Athena, create queries through the SDK it requires', async () => {
      const text = await pulumi.runtime.serializeFunction(() => new AthenaValidationProvider()).then((sf) => sf.text);
      const serialized = loadSerialized(text);
      const state = { ...inputs(), results: [], summary: {} };
      expect(await serialized.diff('id', state, inputs())).to.include({ changes: false });
      expect(athena.calls()).to.have.length(0);

      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'ser-1' });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 77 } } });
      athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header(), dataRow(['0', '9', 'nine'])] } });
      const { outs } = await serialized.create(inputs({ checks: [structuralCheck] }));
      expect(outs.results[0]).to.include({ status: 'pass', executionId: 'ser-1', bytesScanned: 77, observed: 'nine' });
    });

    it('the provider text the resource registered loads and works too', async () => {
      const mine = registered.filter((r) => r.type === ATHENA_VALIDATION_TYPE);
      const provider = loadSerialized(mine[0].inputs.__provider as string);
      expect(await provider.read('id', { ...inputs(), results: [], summary: {} } as unknown as AthenaValidationOutputs)).to.have.property('id', 'id');
      const checked = await provider.check({}, { ...inputs(), timeoutSeconds: -1 });
      expect(checked.failures!.map((f) => f.property)).to.deep.equal(['timeoutSeconds']);
    });
  });
});
