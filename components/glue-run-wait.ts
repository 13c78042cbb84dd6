/**
 * Reading only committed data: the validation must not read the lake while the Glue job is
 * half-way through its writes (a merge replaces partitions; a reader in between sees some
 * rewritten and some not, and reconciliation or gold-equals-silver checks then fail at random).
 *
 * So the validation (components/athena-validation-provider.ts) first waits, bounded by
 * `jobWaitSeconds`, until the job has no run in flight, then runs its checks, then asks Glue
 * whether a run started while they ran. If one did, the results may mix two states of the lake
 * and the checks run again (at most `MAX_VALIDATION_ROUNDS` times). Every outcome is therefore
 * either a reading of a quiet lake, or an explicit error naming the run that kept it busy.
 *
 * Serialized with the validation provider: the SDK is `require`d inside the functions.
 */
import type { GlueClient, JobRun } from '@aws-sdk/client-glue';
import type { AwsCredentialSettings } from './aws-credentials';
import { sdkClientConfig } from './aws-credentials';

/** Run states in which a run is writing, about to, or queued to. */
export const ACTIVE_JOB_RUN_STATES: readonly string[] = ['STARTING', 'RUNNING', 'STOPPING', 'WAITING'];
/** Check rounds before a job that keeps starting runs is reported instead of read. */
export const MAX_VALIDATION_ROUNDS = 3;
/** GetJobRuns polling interval while waiting: runs last minutes, so a poll every half minute is plenty. */
export const JOB_POLL_MS = 30_000;

export type GlueSender = Pick<GlueClient, 'send'>;

export interface GlueWaitDeps {
  readonly createGlueClient: (region: string, credentials?: AwsCredentialSettings) => GlueSender;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** The real Glue client, with the stack's region and credentials. */
export function defaultGlueClient(region: string, credentials?: AwsCredentialSettings): GlueSender {
  const { GlueClient: Client } = require('@aws-sdk/client-glue') as typeof import('@aws-sdk/client-glue');
  return new Client(sdkClientConfig(region, credentials));
}

/** The job's most recent runs (the first page: Glue lists the newest first). */
async function recentRuns(glue: GlueSender, jobName: string): Promise<JobRun[]> {
  const { GetJobRunsCommand } = require('@aws-sdk/client-glue') as typeof import('@aws-sdk/client-glue');
  const out = await glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: 50 }));
  return out.JobRuns ?? [];
}

export type QuietResult =
  | { readonly quiet: true; readonly waitedSeconds: number }
  | { readonly quiet: false; readonly waitedSeconds: number; readonly runId: string; readonly state: string };

/** Waits until no run of the job is active, or `waitSeconds` have passed. */
export async function waitForNoActiveRun(
  glue: GlueSender,
  jobName: string,
  waitSeconds: number,
  deps: Pick<GlueWaitDeps, 'sleep' | 'now'>,
): Promise<QuietResult> {
  const started = deps.now();
  const deadline = started + waitSeconds * 1000;
  for (;;) {
    const active = (await recentRuns(glue, jobName)).find((r) => ACTIVE_JOB_RUN_STATES.includes(r.JobRunState ?? ''));
    const waitedSeconds = Math.round((deps.now() - started) / 1000);
    if (active === undefined) return { quiet: true, waitedSeconds };
    if (deps.now() + JOB_POLL_MS > deadline) return { quiet: false, waitedSeconds, runId: active.Id ?? '(unknown id)', state: active.JobRunState ?? 'UNKNOWN' };
    await deps.sleep(JOB_POLL_MS);
  }
}

/** Ids of runs that are active now or started at or after `sinceMs`: runs that may have written meanwhile. */
export async function runsSince(glue: GlueSender, jobName: string, sinceMs: number): Promise<string[]> {
  return (await recentRuns(glue, jobName))
    .filter((r) => ACTIVE_JOB_RUN_STATES.includes(r.JobRunState ?? '') || (r.StartedOn !== undefined && r.StartedOn.getTime() >= sinceMs))
    .map((r) => r.Id ?? '(unknown id)');
}

/** The minimal view of a check and of its outcome this module needs. */
interface CheckLike {
  readonly id: string;
  readonly kind: string;
  readonly description: string;
}

/** Every check reported as an error with the same reason, none of them run. */
export function notRunOutcomes<C extends CheckLike>(checks: readonly C[], ranAt: string, why: string) {
  return checks.map((c) => ({
    id: c.id,
    kind: c.kind as C['kind'],
    description: c.description,
    status: 'error' as const,
    failures: null,
    rowsChecked: null,
    observed: null,
    bytesScanned: 0,
    executionId: '',
    ranAt,
    attempts: 0,
    message: `check ${c.id}: not run: ${why}`,
  }));
}

/**
 * Runs `runChecks` on a quiet lake: waits for the job, runs the checks, and runs them again when
 * a job run started meanwhile. `jobName` undefined runs the checks once, without asking Glue.
 */
export async function onCommittedData<R>(
  p: { region: string; credentials?: AwsCredentialSettings; jobName?: string; waitSeconds: number },
  deps: GlueWaitDeps,
  runChecks: () => Promise<R>,
  notRun: (why: string) => R,
): Promise<R> {
  if (p.jobName === undefined || p.jobName === '') return runChecks();
  const glue = deps.createGlueClient(p.region, p.credentials);
  let lastOverlap: string[] = [];
  for (let round = 1; round <= MAX_VALIDATION_ROUNDS; round++) {
    const wait = await waitForNoActiveRun(glue, p.jobName, p.waitSeconds, deps);
    if (!wait.quiet) {
      return notRun(
        `Glue job ${p.jobName} run ${wait.runId} is still ${wait.state} after ${wait.waitedSeconds}s (validationJobWaitSeconds ${p.waitSeconds}); ` +
          'the checks read only committed data: run pulumi up again once it has finished, or raise validationJobWaitSeconds',
      );
    }
    const started = deps.now();
    const result = await runChecks();
    lastOverlap = await runsSince(glue, p.jobName, started);
    if (lastOverlap.length === 0) return result;
  }
  return notRun(
    `Glue job ${p.jobName} started run(s) ${lastOverlap.join(', ')} while the checks read the lake, in each of ${MAX_VALIDATION_ROUNDS} rounds; ` +
      "run pulumi up again when the job is idle (or set etlSchedule to 'off' while validating)",
  );
}
