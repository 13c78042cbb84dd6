/**
 * The ETL starter Lambda: on each tick of the ETL schedule it starts the Glue job only when
 * there is something to do, so an idle stack (generator off, lab session over) bills no DPU.
 *
 * One tick:
 * 1. GetJobRuns: a run still STARTING, RUNNING, STOPPING or WAITING means the next tick will
 *    look again; starting another would only queue behind it (or, without queuing, fail).
 * 2. The reference time is the start of the latest SUCCEEDED run: that run listed the source
 *    after it started, so every object modified before then was visible to it, and its
 *    bookmark committed what it read. A failed run commits nothing, so it is no reference.
 * 3. ListObjectsV2 from the source folder of (reference - lookback) on, in key order: keys are
 *    laid out by path time, so the listing skips everything older without reading it. Any
 *    object modified after the reference is new. With no reference (first run, or every recent
 *    run failed), any object under the prefix is reason enough to run.
 * 4. StartJobRun. A concurrent-runs refusal (a run started between 1 and 4) is a skip, not an
 *    error, so it never reaches the failure alarm.
 *
 * The listing is bounded (`maxPages`): if it cannot rule new files out within the bound, it
 * starts the job, the safe side (a run that finds nothing costs one billed minute).
 */
import { ConcurrentRunsExceededException, GetJobRunsCommand, GlueClient, JobRun, StartJobRunCommand } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ACTIVE_JOB_RUN_STATES } from './glue-run-wait';

export interface StarterSettings {
  readonly jobName: string;
  readonly sourceBucket: string;
  /** Prefix of the source files, e.g. `events/`. */
  readonly sourcePrefix: string;
  /** How far before the reference the listing starts, for files whose path time lags their upload. */
  readonly lookbackHours: number;
  /** Upper bound of ListObjectsV2 pages read per tick. */
  readonly maxPages: number;
}

export interface StarterDecision {
  readonly started: boolean;
  /** One line for the function's log: why it started or skipped. */
  readonly reason: string;
  readonly jobRunId?: string;
}

export interface StarterClients {
  readonly glue: Pick<GlueClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
}

/** The settings from the function's environment; a missing variable is a deployment bug, named. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): StarterSettings {
  const need = (key: string): string => {
    const value = env[key];
    if (value === undefined || value === '') throw new Error(`etl starter: environment variable ${key} is not set`);
    return value;
  };
  return {
    jobName: need('JOB_NAME'),
    sourceBucket: need('SOURCE_BUCKET'),
    sourcePrefix: env.SOURCE_PREFIX ?? 'events/',
    lookbackHours: Number(env.LOOKBACK_HOURS ?? '2'),
    maxPages: Number(env.MAX_PAGES ?? '5'),
  };
}

/** `events/year=YYYY/month=MM/day=DD/hour=HH/`: the source folder of an instant (UTC). */
export function hourFolder(prefix: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${prefix}year=${at.getUTCFullYear()}/month=${pad(at.getUTCMonth() + 1)}/day=${pad(at.getUTCDate())}/hour=${pad(at.getUTCHours())}/`;
}

/** The most recent runs of the job (Glue lists the newest first; one page is plenty here). */
async function recentRuns(clients: StarterClients, jobName: string): Promise<JobRun[]> {
  const out = await clients.glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: 50 }));
  return out.JobRuns ?? [];
}

/** Whether the source holds an object modified after `since` (any object when `since` is undefined). */
export async function hasNewSourceFile(
  clients: StarterClients,
  s: StarterSettings,
  since: Date | undefined,
): Promise<{ found: boolean; key?: string; bounded: boolean }> {
  const startAfter = since === undefined ? undefined : hourFolder(s.sourcePrefix, new Date(since.getTime() - s.lookbackHours * 3_600_000));
  let token: string | undefined;
  for (let page = 0; page < s.maxPages; page++) {
    const out = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: s.sourceBucket,
        Prefix: s.sourcePrefix,
        ...(token === undefined ? (startAfter === undefined ? {} : { StartAfter: startAfter }) : { ContinuationToken: token }),
        ...(since === undefined ? { MaxKeys: 1 } : {}),
      }),
    );
    for (const object of out.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      if (since === undefined || (object.LastModified !== undefined && object.LastModified.getTime() > since.getTime())) {
        return { found: true, key: object.Key, bounded: false };
      }
    }
    if (!out.IsTruncated || out.NextContinuationToken === undefined) return { found: false, bounded: false };
    token = out.NextContinuationToken;
  }
  return { found: false, bounded: true };
}

/** One tick: decide, and start the job when there is new source data and no run in flight. */
export async function startIfNewFiles(clients: StarterClients, s: StarterSettings): Promise<StarterDecision> {
  const runs = await recentRuns(clients, s.jobName);
  const active = runs.find((r) => ACTIVE_JOB_RUN_STATES.includes(r.JobRunState ?? ''));
  if (active) return { started: false, reason: `run ${active.Id} is ${active.JobRunState}; the next tick looks again` };

  const lastSuccess = runs.find((r) => r.JobRunState === 'SUCCEEDED' && r.StartedOn !== undefined);
  const since = lastSuccess?.StartedOn;
  const probe = await hasNewSourceFile(clients, s, since);
  const sinceText = since === undefined ? 'no successful run yet' : `since ${since.toISOString()} (start of run ${lastSuccess?.Id})`;
  if (!probe.found && !probe.bounded) {
    return { started: false, reason: `no new object under s3://${s.sourceBucket}/${s.sourcePrefix} ${sinceText}: no run, no DPU billed` };
  }
  const why = probe.found ? `new object ${probe.key} ${sinceText}` : `listing stopped after ${s.maxPages} pages without ruling out new objects`;
  try {
    const started = await clients.glue.send(new StartJobRunCommand({ JobName: s.jobName }));
    return { started: true, reason: `started ${s.jobName}: ${why}`, jobRunId: started.JobRunId };
  } catch (error) {
    if (error instanceof ConcurrentRunsExceededException || (error as { name?: string }).name === 'ConcurrentRunsExceededException') {
      return { started: false, reason: `a run started meanwhile (${(error as Error).message}); the next tick looks again` };
    }
    throw error;
  }
}

/** The Lambda entry point (EventBridge schedule). */
export async function handler(): Promise<StarterDecision> {
  const decision = await startIfNewFiles({ glue: new GlueClient({}), s3: new S3Client({}) }, settingsFromEnv(process.env));
  console.log(JSON.stringify({ event: 'lakehouse_etl_starter', ...decision }));
  return decision;
}
