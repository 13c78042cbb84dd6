/**
 * The Pulumi dynamic provider behind AthenaValidation (components/athena-validation.ts): it runs
 * the shared validation checks (etl/checks.ts) through Athena after every update that changes
 * what they depend on.
 *
 * Serialization rules (Pulumi serializes this provider object, with everything its methods
 * reference, into the `__provider` input and re-evaluates it in the dynamic-provider host):
 * - only TYPE imports at module level, except the pure functions of etl/check-runtime.ts
 *   (evaluating a result row, rendering the check window), of ./aws-credentials (the stack's
 *   credential settings for each SDK client) and of ./glue-run-wait (waiting for a running Glue
 *   job run, so the checks read committed data only), captured by value;
 * - the AWS SDK packages are required inside the functions that use them, and every client is
 *   created per call: a captured client or SDK module could not be serialized;
 * - nothing from `@pulumi/pulumi` is referenced at run time (it is a deployment-only module).
 * tests/components/athena-validation.test.ts serializes the provider and runs the serialized copy.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { AwsCredentialSettings } from './aws-credentials';
import { sdkClientConfig } from './aws-credentials';
import { defaultGlueClient, GlueWaitDeps, notRunOutcomes, onCommittedData } from './glue-run-wait';
import type * as dynamic from '@pulumi/pulumi/dynamic';
import type { CheckKind, CheckStatus, CheckWindow } from '../etl/check-runtime';
import { CHECK_KINDS, DEFAULT_WINDOW_DAYS, evaluateCheckRow, MAX_WINDOW_DAYS, renderCheckWindow, windowEndingAt } from '../etl/check-runtime';

// ---------------------------------------------------------------------------------------------
// Inputs and outputs
// ---------------------------------------------------------------------------------------------

/** One check as the provider runs it: SQL already rendered with qualified Athena table names. */
export interface ValidationCheck {
  readonly id: string;
  readonly kind: CheckKind;
  readonly description: string;
  /**
   * Athena SQL with `<database>_<id>.<table>` names; unqualified names resolve in `database`.
   * `{{window.*}}` placeholders stay: the provider renders the window when it runs.
   */
  readonly sql: string;
  /** QueryExecutionContext database (the gold database: the deliverable queries name gold tables unqualified). */
  readonly database: string;
}

export interface ValidationDatabases {
  readonly bronze: string;
  readonly silver: string;
  readonly gold: string;
}

export interface AthenaValidationInputs {
  readonly region: string;
  readonly workgroup: string;
  readonly databases: ValidationDatabases;
  readonly checks: readonly ValidationCheck[];
  /** true: any fail/error fails the update; false: failures are reported as outputs and warnings. */
  readonly failOnError: boolean;
  /** Per query, from submission to a final state (throttled retries included). */
  readonly timeoutSeconds: number;
  /** Queries in flight at once (Athena counts active DML queries against an account quota). */
  readonly maxConcurrency: number;
  /** Deterministic hash of everything the checks depend on; a new value re-runs the checks. */
  readonly runToken: string;
  /** UTC days, ending with the day the checks run, whose partitions the data checks read. @default 1 */
  readonly windowDays?: number;
  /** Stack credential settings (aws:profile, aws:assumeRoles); absent: the environment's chain. */
  readonly credentials?: AwsCredentialSettings;
  /** Glue job whose runs write the lake: the checks wait for it and re-run if it wrote meanwhile. Absent: no wait. */
  readonly glueJobName?: string;
  /** Seconds to wait for a running job run before reporting the checks as not run. @default 3600 */
  readonly jobWaitSeconds?: number;
}

export interface CheckOutcome {
  readonly id: string;
  readonly kind: CheckKind;
  readonly description: string;
  readonly status: CheckStatus;
  readonly failures: number | null;
  readonly rowsChecked: number | null;
  readonly observed: string | null;
  /** Statistics.DataScannedInBytes of the execution that produced the result (0 if none). */
  readonly bytesScanned: number;
  /** Athena QueryExecutionId of the last attempt ('' when no query could be started). */
  readonly executionId: string;
  /** ISO time the check was started. */
  readonly ranAt: string;
  /** Query executions started for this check (retries of retryable failures included). */
  readonly attempts: number;
  /** One line: why the check failed or errored. Absent on pass and no-data. */
  readonly message?: string;
}

export interface ValidationSummary {
  readonly status: 'pass' | 'fail';
  readonly checks: number;
  readonly passed: number;
  readonly failed: number;
  readonly errored: number;
  readonly noData: number;
  /** Observations that reported a figure (they never fail the run). */
  readonly observations: number;
  /** The days the data checks read (absent when no window was given to summarize). */
  readonly window?: CheckWindow;
  readonly bytesScanned: number;
  readonly ranAt: string;
  readonly durationSeconds: number;
  readonly runToken: string;
  /** Ids of checks with status fail or error. */
  readonly failedChecks: string[];
}

export interface AthenaValidationOutputs extends AthenaValidationInputs {
  readonly results: CheckOutcome[];
  readonly summary: ValidationSummary;
}

// ---------------------------------------------------------------------------------------------
// Injectable run-time dependencies
// ---------------------------------------------------------------------------------------------

/** The subset of the Athena client the runner uses: `send` of the v3 SDK. */
export type AthenaSender = Pick<AthenaClient, 'send'>;

export interface RunDeps {
  /** Creates the Athena client for a region (tests: a client mocked by aws-sdk-client-mock). */
  readonly createClient: (region: string, credentials?: AwsCredentialSettings) => AthenaSender;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Uniform in [0, 1): jitter. */
  readonly random: () => number;
}

/** Defaults for a real deployment; each reference is resolved when called, never captured. */
export function defaultRunDeps(overrides: Partial<RunDeps & GlueWaitDeps> = {}): RunDeps & GlueWaitDeps {
  return {
    createClient:
      overrides.createClient ??
      ((region: string, credentials?: AwsCredentialSettings) => {
        const { AthenaClient: Client } = require('@aws-sdk/client-athena') as typeof import('@aws-sdk/client-athena');
        // One retry policy, ours (jittered, deadline-aware); the SDK's would multiply attempts.
        return new Client({ ...sdkClientConfig(region, credentials), maxAttempts: 1 });
      }),
    createGlueClient: overrides.createGlueClient ?? defaultGlueClient,
    sleep: overrides.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    now: overrides.now ?? (() => Date.now()),
    random: overrides.random ?? (() => Math.random()),
  };
}

/** Backoff and retry limits; exported so the docs and tests refer to the same numbers. */
export const RETRY_POLICY = {
  /** Attempts of one API call that is throttled or fails with a retryable server error. */
  apiAttempts: 8,
  apiBaseMs: 500,
  apiCapMs: 20_000,
  /** Query executions of one check when Athena marks its failure retryable. */
  queryAttempts: 3,
  queryRetryBaseMs: 2_000,
  /** GetQueryExecution polling: first delay, growth factor, cap. */
  pollFirstMs: 500,
  pollFactor: 1.5,
  pollCapMs: 5_000,
} as const;

// ---------------------------------------------------------------------------------------------
// Retrying API calls
// ---------------------------------------------------------------------------------------------

const RETRYABLE_ERROR_NAMES = ['TooManyRequestsException', 'ThrottlingException', 'InternalServerException', 'ServiceUnavailableException'];

/** Throttling and server errors that the same request may survive. */
export function isRetryableApiError(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name !== undefined && RETRYABLE_ERROR_NAMES.includes(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so a delay is never ~0. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const exp = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** Sends `command`, retrying throttling and retryable server errors until attempts or the deadline run out. */
async function sendWithRetry<T>(client: AthenaSender, command: unknown, deps: RunDeps, deadline: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.send(command as never)) as T;
    } catch (error) {
      if (!isRetryableApiError(error) || attempt + 1 >= RETRY_POLICY.apiAttempts) throw error;
      const delay = backoffMs(attempt, RETRY_POLICY.apiBaseMs, RETRY_POLICY.apiCapMs, deps.random);
      if (deps.now() + delay > deadline) throw error;
      await deps.sleep(delay);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Running one query
// ---------------------------------------------------------------------------------------------

interface Execution {
  readonly executionId: string;
  readonly state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT';
  readonly reason: string;
  readonly retryable: boolean;
  readonly bytesScanned: number;
}

/**
 * How a failure message names the query: its first line, continued with the next lines while
 * it is shorter than 60 characters (a bare `SELECT` or `WITH s AS (` says nothing), at most 120.
 */
export function firstLine(sql: string): string {
  const lines = sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  let text = '';
  for (const line of lines) {
    text = text === '' ? line : `${text} ${line}`;
    if (text.length >= 60) break;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Starts one query and polls it with backoff until it reaches a final state or the deadline. */
async function executeQuery(client: AthenaSender, check: ValidationCheck, inputs: AthenaValidationInputs, deps: RunDeps): Promise<Execution> {
  const sdk = require('@aws-sdk/client-athena') as typeof import('@aws-sdk/client-athena');
  const deadline = deps.now() + inputs.timeoutSeconds * 1000;
  const started = await sendWithRetry<{ QueryExecutionId?: string }>(
    client,
    new sdk.StartQueryExecutionCommand({
      QueryString: check.sql,
      WorkGroup: inputs.workgroup,
      QueryExecutionContext: { Database: check.database },
      // A validation must look at the data as it is now, never at a cached result.
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    }),
    deps,
    deadline,
  );
  const executionId = started.QueryExecutionId;
  if (!executionId) throw new Error('StartQueryExecution returned no QueryExecutionId');

  let delay: number = RETRY_POLICY.pollFirstMs;
  for (;;) {
    const got = await sendWithRetry<{ QueryExecution?: import('@aws-sdk/client-athena').QueryExecution }>(
      client,
      new sdk.GetQueryExecutionCommand({ QueryExecutionId: executionId }),
      deps,
      deadline,
    );
    const status = got.QueryExecution?.Status;
    const state = status?.State;
    const bytesScanned = got.QueryExecution?.Statistics?.DataScannedInBytes ?? 0;
    if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') {
      const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? '';
      return { executionId, state, reason, retryable: status?.AthenaError?.Retryable === true, bytesScanned };
    }
    if (deps.now() + delay > deadline) {
      await stopQuery(client, executionId, deps);
      return {
        executionId,
        state: 'TIMEOUT',
        reason: `still ${state ?? 'UNKNOWN'} after the ${inputs.timeoutSeconds}s timeout; StopQueryExecution requested`,
        retryable: false,
        bytesScanned,
      };
    }
    await deps.sleep(delay);
    delay = Math.min(RETRY_POLICY.pollCapMs, Math.round(delay * RETRY_POLICY.pollFactor));
  }
}

/** Best effort: a query that outlived its timeout is cancelled so it stops scanning (and billing). */
async function stopQuery(client: AthenaSender, executionId: string, deps: RunDeps): Promise<void> {
  const sdk = require('@aws-sdk/client-athena') as typeof import('@aws-sdk/client-athena');
  try {
    // Its own short deadline: the check's has already passed.
    await sendWithRetry(client, new sdk.StopQueryExecutionCommand({ QueryExecutionId: executionId }), deps, deps.now() + 30_000);
  } catch {
    // The timeout is what gets reported; a failed stop leaves Athena's own workgroup limits in charge.
  }
}

/**
 * Every result row of a finished query as records keyed by the header row, following NextToken
 * across pages. Athena returns the column names as the first row of the first page; a missing
 * VarCharValue is SQL NULL.
 */
export async function fetchResultRows(
  client: AthenaSender,
  executionId: string,
  deps: RunDeps,
  deadline: number,
): Promise<Array<Record<string, string | null>>> {
  const sdk = require('@aws-sdk/client-athena') as typeof import('@aws-sdk/client-athena');
  let header: string[] | undefined;
  const rows: Array<Record<string, string | null>> = [];
  let nextToken: string | undefined;
  do {
    const page = await sendWithRetry<import('@aws-sdk/client-athena').GetQueryResultsOutput>(
      client,
      new sdk.GetQueryResultsCommand({ QueryExecutionId: executionId, NextToken: nextToken, MaxResults: 1000 }),
      deps,
      deadline,
    );
    for (const row of page.ResultSet?.Rows ?? []) {
      const values = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
      if (!header) {
        header = values.map((v, i) => v ?? `_col${i}`);
        continue;
      }
      rows.push(Object.fromEntries(header.map((name, i) => [name, values[i] ?? null])));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Running the checks
// ---------------------------------------------------------------------------------------------

/** Runs one check: retries a query Athena marks retryable, evaluates the one result row. */
export async function runCheck(client: AthenaSender, check: ValidationCheck, inputs: AthenaValidationInputs, deps: RunDeps): Promise<CheckOutcome> {
  const ranAt = new Date(deps.now()).toISOString();
  const base = { id: check.id, kind: check.kind, description: check.description, ranAt };
  const where = (executionId: string) => `query "${firstLine(check.sql)}", QueryExecutionId ${executionId || '(none)'}`;
  const errorOutcome = (attempts: number, executionId: string, bytesScanned: number, why: string): CheckOutcome => ({
    ...base,
    status: 'error',
    failures: null,
    rowsChecked: null,
    observed: null,
    bytesScanned,
    executionId,
    attempts,
    message: `check ${check.id}: ${why} (${where(executionId)})`,
  });

  let attempts = 0;
  for (;;) {
    attempts++;
    let execution: Execution;
    try {
      execution = await executeQuery(client, check, inputs, deps);
    } catch (error) {
      return errorOutcome(attempts, '', 0, `Athena API error: ${describeError(error)}`);
    }
    const { executionId, bytesScanned } = execution;
    if (execution.state === 'FAILED' && execution.retryable && attempts < RETRY_POLICY.queryAttempts) {
      await deps.sleep(backoffMs(attempts - 1, RETRY_POLICY.queryRetryBaseMs, RETRY_POLICY.apiCapMs, deps.random));
      continue;
    }
    if (execution.state === 'TIMEOUT') return errorOutcome(attempts, executionId, bytesScanned, `timed out: ${execution.reason}`);
    if (execution.state !== 'SUCCEEDED') {
      const retried = execution.retryable ? ` (retryable; gave up after ${attempts} attempts)` : '';
      return errorOutcome(attempts, executionId, bytesScanned, `Athena ${execution.state}: ${execution.reason || 'no StateChangeReason'}${retried}`);
    }

    let rows: Array<Record<string, string | null>>;
    try {
      rows = await fetchResultRows(client, executionId, deps, deps.now() + inputs.timeoutSeconds * 1000);
    } catch (error) {
      return errorOutcome(attempts, executionId, bytesScanned, `GetQueryResults failed: ${describeError(error)}`);
    }
    if (rows.length !== 1) {
      return errorOutcome(attempts, executionId, bytesScanned, `expected exactly one result row (failures, rows_checked, observed), got ${rows.length}`);
    }
    const result = evaluateCheckRow(
      { id: check.id, kind: check.kind, description: check.description },
      { failures: rows[0].failures, rows_checked: rows[0].rows_checked, observed: rows[0].observed },
    );
    return {
      ...base,
      status: result.status,
      failures: result.failures,
      rowsChecked: result.rowsChecked,
      observed: result.observed,
      bytesScanned,
      executionId,
      attempts,
      ...(result.message === undefined ? {} : { message: `${result.message} (${where(executionId)})` }),
    };
  }
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string } | null;
  const text = e && typeof e === 'object' ? `${e.name ?? 'Error'}: ${e.message ?? ''}` : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

/** Runs every check, at most `maxConcurrency` at a time; results keep the order of the checks. */
export async function runValidation(inputs: AthenaValidationInputs, deps: RunDeps): Promise<{ results: CheckOutcome[]; summary: ValidationSummary }> {
  const startedAt = deps.now();
  const window = windowEndingAt(startedAt, inputs.windowDays ?? DEFAULT_WINDOW_DAYS);
  const checks = inputs.checks.map((check) => ({ ...check, sql: renderCheckWindow(check.sql, window) }));
  const client = deps.createClient(inputs.region, inputs.credentials);
  const results: CheckOutcome[] = new Array(inputs.checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const index = next++;
      results[index] = await runCheck(client, checks[index], inputs, deps);
    }
  };
  const workers = Math.max(1, Math.min(inputs.maxConcurrency, inputs.checks.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { results, summary: summarize(results, inputs.runToken, startedAt, deps.now(), window) };
}

export function summarize(results: readonly CheckOutcome[], runToken: string, startedAt: number, finishedAt: number, window?: CheckWindow): ValidationSummary {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const failedChecks = results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.id);
  return {
    status: failedChecks.length === 0 ? 'pass' : 'fail',
    checks: results.length,
    passed: count('pass'),
    failed: count('fail'),
    errored: count('error'),
    noData: count('no-data'),
    observations: count('observed'),
    ...(window === undefined ? {} : { window }),
    bytesScanned: results.reduce((sum, r) => sum + r.bytesScanned, 0),
    ranAt: new Date(startedAt).toISOString(),
    durationSeconds: Math.round((finishedAt - startedAt) / 100) / 10,
    runToken,
    failedChecks,
  };
}

/** The error a failing validation reports: one line per check that did not pass. */
export function failureMessage(inputs: AthenaValidationInputs, results: readonly CheckOutcome[]): string {
  const bad = results.filter((r) => r.status === 'fail' || r.status === 'error');
  return [
    `Athena validation failed: ${bad.length} of ${results.length} checks did not pass (workgroup ${inputs.workgroup}, runToken ${inputs.runToken.slice(0, 12)}):`,
    ...bad.map((r) => `  - [${r.status}] ${r.message ?? r.id}`),
    'Set stack config validation=warn to report failures as warnings instead.',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Input validation and diffing
// ---------------------------------------------------------------------------------------------

/** The value the engine passes for an input that is not known yet (preview). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_MAX_CONCURRENCY = 4;
// The default job timeout (jobTimeoutMinutes 60): a run going when the checks start is over by then,
// so with the defaults the checks wait for it instead of reporting it as still running.
export const DEFAULT_JOB_WAIT_SECONDS = 3600;

/** The inputs whose change re-runs the checks (everything but the serialized provider itself). */
const COMPARED_INPUTS = ['region', 'workgroup', 'databases', 'checks', 'failOnError', 'timeoutSeconds', 'maxConcurrency', 'runToken', 'windowDays'] as const;

/** Fills defaults and reports every invalid input as one failure naming the input and what was expected. */
export function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: dynamic.CheckFailure[] } {
  const failures: dynamic.CheckFailure[] = [];
  const known = (v: unknown) => v !== UNKNOWN;
  const inputs: Record<string, unknown> = {
    ...news,
    failOnError: news.failOnError ?? true,
    timeoutSeconds: news.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    maxConcurrency: news.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    windowDays: news.windowDays ?? DEFAULT_WINDOW_DAYS,
    jobWaitSeconds: news.jobWaitSeconds ?? DEFAULT_JOB_WAIT_SECONDS,
  };
  if (
    known(inputs.jobWaitSeconds) &&
    (typeof inputs.jobWaitSeconds !== 'number' || !Number.isInteger(inputs.jobWaitSeconds) || inputs.jobWaitSeconds < 0 || inputs.jobWaitSeconds > 7200)
  ) {
    failures.push({ property: 'jobWaitSeconds', reason: `jobWaitSeconds: expected an integer from 0 to 7200, got ${JSON.stringify(inputs.jobWaitSeconds)}` });
  }
  if (inputs.glueJobName !== undefined && known(inputs.glueJobName) && (typeof inputs.glueJobName !== 'string' || inputs.glueJobName === '')) {
    failures.push({ property: 'glueJobName', reason: `glueJobName: expected a Glue job name, got ${JSON.stringify(inputs.glueJobName)}` });
  }
  for (const key of ['region', 'workgroup', 'runToken'] as const) {
    const v = inputs[key];
    if (known(v) && (typeof v !== 'string' || v.trim() === ''))
      failures.push({ property: key, reason: `${key}: expected a non-empty string, got ${JSON.stringify(v)}` });
  }
  const dbs = inputs.databases as Record<string, unknown> | undefined;
  if (known(dbs)) {
    for (const layer of ['bronze', 'silver', 'gold']) {
      const v = dbs?.[layer];
      if (known(v) && (typeof v !== 'string' || !/^[a-z0-9_]+$/.test(v))) {
        failures.push({
          property: 'databases',
          reason: `databases.${layer}: expected a Glue database name (lowercase, digits, underscores), got ${JSON.stringify(v)}`,
        });
      }
    }
  }
  if (known(inputs.failOnError) && typeof inputs.failOnError !== 'boolean') {
    failures.push({ property: 'failOnError', reason: `failOnError: expected true or false, got ${JSON.stringify(inputs.failOnError)}` });
  }
  for (const [key, max] of [
    ['timeoutSeconds', 3600],
    ['maxConcurrency', 20],
    ['windowDays', MAX_WINDOW_DAYS],
  ] as const) {
    const v = inputs[key];
    if (known(v) && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)) {
      failures.push({ property: key, reason: `${key}: expected an integer from 1 to ${max}, got ${JSON.stringify(v)}` });
    }
  }
  const checks = inputs.checks;
  if (known(checks)) {
    if (!Array.isArray(checks) || checks.length === 0) {
      failures.push({ property: 'checks', reason: 'checks: expected a non-empty list of checks' });
    } else {
      const seen = new Set<string>();
      checks.forEach((c: Record<string, unknown>, i) => {
        const label = `checks[${i}]${typeof c?.id === 'string' ? ` (${c.id})` : ''}`;
        if (typeof c?.id !== 'string' || !/^[a-z0-9_]+$/.test(c.id)) failures.push({ property: 'checks', reason: `${label}: expected a snake_case id` });
        else if (seen.has(c.id)) failures.push({ property: 'checks', reason: `${label}: duplicate check id` });
        else seen.add(c.id);
        if (!CHECK_KINDS.includes(c?.kind as CheckKind))
          failures.push({
            property: 'checks',
            reason: `${label}: expected kind ${CHECK_KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(c?.kind)}`,
          });
        if (typeof c?.sql !== 'string' || c.sql.trim() === '') failures.push({ property: 'checks', reason: `${label}: expected non-empty sql` });
        else if (/\{\{(?!\s*window\.)/.test(c.sql))
          failures.push({ property: 'checks', reason: `${label}: sql still has a {{table}} placeholder; render it first` });
        else {
          try {
            renderCheckWindow(c.sql, windowEndingAt(0, 1));
          } catch (error) {
            failures.push({ property: 'checks', reason: `${label}: ${(error as Error).message}` });
          }
        }
        if (typeof c?.database !== 'string' || c.database === '') failures.push({ property: 'checks', reason: `${label}: expected a database` });
      });
    }
  }
  return { inputs, failures };
}

/** Key-order-independent JSON, so a re-ordered object literal is not a change. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Inputs that differ between the last run (state) and the new inputs. Runs no query. */
export function changedInputs(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  return COMPARED_INPUTS.filter((key) => stableJson(olds[key]) !== stableJson(news[key]));
}

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

/** The error Pulumi records as a resource initialization failure: the results still reach the state. */
function initFailure(message: string, id: string, outs: AthenaValidationOutputs): Error {
  return Object.assign(new Error(message), { id, properties: outs, reasons: [message] });
}

export class AthenaValidationProvider implements dynamic.ResourceProvider {
  /** Tests inject a mocked client factory, sleep and clock; a deployment uses the defaults. */
  constructor(private readonly overrides: Partial<RunDeps & GlueWaitDeps> = {}) {}

  async check(_olds: object, news: object): Promise<dynamic.CheckResult> {
    return checkInputs(news as Record<string, unknown>);
  }

  /** Pure comparison: runs in preview, so it never touches Athena. */
  async diff(_id: string, olds: object, news: object): Promise<dynamic.DiffResult> {
    return { changes: changedInputs(olds as Record<string, unknown>, news as Record<string, unknown>).length > 0, replaces: [], deleteBeforeReplace: false };
  }

  async create(inputs: AthenaValidationInputs): Promise<dynamic.CreateResult> {
    const id = `athena-validation-${inputs.runToken.slice(0, 16)}`;
    return { id, outs: await this.run(id, inputs) };
  }

  async update(id: string, _olds: AthenaValidationOutputs, news: AthenaValidationInputs): Promise<dynamic.UpdateResult> {
    return { outs: await this.run(id, news) };
  }

  /** Validation results live only in the state: refresh keeps them and runs nothing. */
  async read(id: string, props?: AthenaValidationOutputs): Promise<dynamic.ReadResult> {
    return { id, props };
  }

  /** Nothing was created in AWS: query results in athena-results/ expire by lifecycle rule. */
  async delete(_id: string, _props: AthenaValidationOutputs): Promise<void> {}

  private async run(id: string, inputs: AthenaValidationInputs): Promise<AthenaValidationOutputs> {
    const clean = pickInputs(inputs);
    const deps = defaultRunDeps(this.overrides);
    const { results, summary } = await onCommittedData(
      { region: clean.region, credentials: clean.credentials, jobName: clean.glueJobName, waitSeconds: clean.jobWaitSeconds ?? DEFAULT_JOB_WAIT_SECONDS },
      deps,
      () => runValidation(clean, deps),
      (why) => {
        const startedAt = deps.now();
        const notRun = notRunOutcomes(clean.checks, new Date(startedAt).toISOString(), why);
        return { results: notRun, summary: summarize(notRun, clean.runToken, startedAt, deps.now()) };
      },
    );
    const outs: AthenaValidationOutputs = { ...clean, results, summary };
    if (summary.status === 'fail' && clean.failOnError) {
      // The host adds the serialized provider back to successful outputs only; a failure's
      // properties are stored as given, and without `__provider` a later destroy or refresh of
      // this resource could not load its provider.
      const provider = (inputs as unknown as { __provider?: unknown }).__provider;
      throw initFailure(failureMessage(clean, results), id, {
        ...outs,
        ...(provider === undefined ? {} : { __provider: provider }),
      } as AthenaValidationOutputs);
    }
    return outs;
  }
}

/** The declared inputs only (drops `__provider`, which the host adds back to the outputs). */
function pickInputs(inputs: AthenaValidationInputs): AthenaValidationInputs {
  return {
    region: inputs.region,
    workgroup: inputs.workgroup,
    databases: inputs.databases,
    checks: inputs.checks,
    failOnError: inputs.failOnError ?? true,
    timeoutSeconds: inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    maxConcurrency: inputs.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    runToken: inputs.runToken,
    windowDays: inputs.windowDays ?? DEFAULT_WINDOW_DAYS,
    ...(inputs.credentials === undefined ? {} : { credentials: inputs.credentials }),
    ...(inputs.glueJobName === undefined ? {} : { glueJobName: inputs.glueJobName }),
    jobWaitSeconds: inputs.jobWaitSeconds ?? DEFAULT_JOB_WAIT_SECONDS,
  };
}
