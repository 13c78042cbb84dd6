/**
 * AthenaValidation: after every update that changes the ETL code, the SQL, the table definitions
 * or the checks, run the shared validation checks (etl/checks.ts, the same ones `lakehouse check`
 * runs locally) plus "each deliverable query executes" through Athena, in the stack's workgroup.
 *
 * This file is the deployment side (runs in the Pulumi program): it renders the checks for
 * Athena, computes the deterministic runToken and registers the dynamic resource. The code that
 * runs at deploy time, inside Pulumi's dynamic-provider host, is components/athena-validation-provider.ts.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { CheckDefinition, CHECKS, DEFAULT_WINDOW_DAYS, queryChecks, renderCheckSql } from '../etl/checks';
import { TABLES } from '../etl/schema';
import { loadQueries } from '../queries';
import type { AwsCredentialSettings } from './aws-credentials';
import {
  AthenaValidationInputs,
  AthenaValidationProvider,
  CheckOutcome,
  DEFAULT_JOB_WAIT_SECONDS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_TIMEOUT_SECONDS,
  ValidationCheck,
  ValidationDatabases,
  ValidationSummary,
} from './athena-validation-provider';

export type { AthenaValidationInputs, CheckOutcome, ValidationCheck, ValidationDatabases, ValidationSummary } from './athena-validation-provider';

/** Pulumi type token: `pulumi-nodejs:dynamic/<module>:<type>`. */
export const ATHENA_VALIDATION_MODULE = 'lakehouse';
export const ATHENA_VALIDATION_TYPE_NAME = 'AthenaValidation';
export const ATHENA_VALIDATION_TYPE = `pulumi-nodejs:dynamic/${ATHENA_VALIDATION_MODULE}:${ATHENA_VALIDATION_TYPE_NAME}`;

/** Repository root: where etl/, queries/ live. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The files whose content the checks depend on, relative to the project root. */
const RUN_TOKEN_SOURCES: ReadonlyArray<{ dir: string; ext: string }> = [
  { dir: 'etl/glue', ext: '.py' },
  { dir: 'etl/sql', ext: '.sql' },
];
const QUERIES_FILE = 'queries/queries.sql';

export interface AthenaValidationArgs {
  /** AWS region of the workgroup and the Glue databases. */
  readonly region: pulumi.Input<string>;
  /** Athena workgroup the checks run in (its result location, encryption and limits apply). */
  readonly workgroup: pulumi.Input<string>;
  /** Per-stack Glue database names, e.g. `{ bronze: 'bronze_s1', silver: 'silver_s1', gold: 'gold_s1' }`. */
  readonly databases: pulumi.Input<ValidationDatabases>;
  /**
   * The checks to run, before rendering (`{{table id}}` placeholders).
   * @default the shared CHECKS plus queryChecks(loadQueries()): the same checks `lakehouse check` runs
   */
  readonly checks?: readonly CheckDefinition[];
  /**
   * true: a check that fails or errors fails the `pulumi up` (results are still recorded in the
   * state, and the next `up` re-runs them). false: failures become outputs and warnings.
   * @default true
   */
  readonly failOnError?: pulumi.Input<boolean>;
  /**
   * Seconds one query may take from submission to a final state, throttled retries included.
   * @default 300
   */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /**
   * Queries in flight at once.
   * @default 4
   */
  readonly maxConcurrency?: pulumi.Input<number>;
  /**
   * UTC days, ending with the day the checks run, whose partitions the data checks read
   * (silver and gold by event day, bronze, quarantine and the ledger by source path day), so a
   * check's cost does not grow with the lake.
   * @default 1 (today)
   */
  readonly windowDays?: pulumi.Input<number>;
  /**
   * The stack's credential settings (aws:profile, aws:assumeRoles, shared files): the SDK
   * clients of the validation use them, like the explicit AWS provider does.
   * @default undefined (the environment's default credential chain)
   */
  readonly credentials?: AwsCredentialSettings;
  /**
   * The Glue job that writes the lake. The checks wait for its running run to finish and run
   * again if a run started while they read, so they only ever read committed data.
   * @default undefined (no wait)
   */
  readonly glueJobName?: pulumi.Input<string>;
  /**
   * Seconds to wait for a running run of `glueJobName` before reporting the checks as not run.
   * @default 3600
   */
  readonly jobWaitSeconds?: pulumi.Input<number>;
  /**
   * Any string folded into the runToken: change it to re-run the checks without a code change
   * (e.g. after the ETL job has loaded the first data).
   * @default '' (no extra trigger)
   */
  readonly trigger?: pulumi.Input<string>;
  /**
   * Root the runToken's files are read from.
   * @default the repository root (the parent of components/)
   */
  readonly projectRoot?: string;
}

/** Every check the deployed stack runs: the shared data/structural checks and the 5 query checks. */
export function defaultValidationChecks(): CheckDefinition[] {
  return [...CHECKS, ...queryChecks(loadQueries())];
}

/** `<database>.<table>` for Athena, e.g. `silver_s1.events`. */
export function athenaTableName(databases: ValidationDatabases, table: { database: keyof ValidationDatabases; name: string }): string {
  return `${databases[table.database]}.${table.name}`;
}

/** Renders the placeholders for Athena; a trailing semicolon is dropped (one statement per execution). */
export function renderChecksForAthena(checks: readonly CheckDefinition[], databases: ValidationDatabases): ValidationCheck[] {
  const ids = new Set<string>();
  return checks.map((check) => {
    if (ids.has(check.id)) throw new Error(`checks: duplicate check id '${check.id}'`);
    ids.add(check.id);
    const sql = renderCheckSql(check.sql, (table) => athenaTableName(databases, table))
      .trim()
      .replace(/;\s*$/, '');
    return { id: check.id, kind: check.kind, description: check.description, sql, database: databases.gold };
  });
}

/** Normalized so a Windows checkout (CRLF) hashes like a Unix one. */
function fileText(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
}

/** The files the runToken covers, relative to `projectRoot`, sorted; missing required files are an error. */
export function runTokenFiles(projectRoot: string = PROJECT_ROOT): string[] {
  const files: string[] = [];
  for (const { dir, ext } of RUN_TOKEN_SOURCES) {
    let names: string[];
    try {
      names = readdirSync(path.join(projectRoot, dir)).filter((n) => n.endsWith(ext));
    } catch {
      names = [];
    }
    if (names.length === 0) throw new Error(`runToken: expected at least one ${dir}/*${ext} under ${projectRoot}`);
    files.push(...names.map((n) => `${dir}/${n}`));
  }
  files.push(QUERIES_FILE);
  return files.sort();
}

/**
 * sha256 over the Glue script(s), every transform SQL file, the deliverable queries, the table
 * definitions and the rendered checks (which carry the database names). Deterministic: the same
 * tree gives the same token on every machine, so a no-op `pulumi up` runs nothing.
 */
export function computeRunToken(renderedChecks: readonly ValidationCheck[], projectRoot: string = PROJECT_ROOT, trigger = ''): string {
  const hash = createHash('sha256');
  const part = (label: string, text: string) => hash.update(`${label}\0${text.length}\0${text}\0`);
  for (const rel of runTokenFiles(projectRoot)) {
    let text: string;
    try {
      text = fileText(path.join(projectRoot, rel));
    } catch {
      throw new Error(`runToken: cannot read ${rel} under ${projectRoot}`);
    }
    part(`file:${rel}`, text);
  }
  part('tables', JSON.stringify(TABLES));
  part('checks', JSON.stringify(renderedChecks));
  part('trigger', trigger);
  return hash.digest('hex');
}

/** Plain values of the args (after Outputs resolved) for buildValidationInputs. */
export interface ValidationInputOptions {
  readonly region: string;
  readonly workgroup: string;
  readonly databases: ValidationDatabases;
  readonly checks?: readonly CheckDefinition[];
  readonly failOnError?: boolean;
  readonly timeoutSeconds?: number;
  readonly maxConcurrency?: number;
  readonly windowDays?: number;
  readonly trigger?: string;
  readonly projectRoot?: string;
  readonly credentials?: AwsCredentialSettings;
  readonly glueJobName?: string;
  readonly jobWaitSeconds?: number;
}

/** The provider's inputs: rendered checks, defaults filled, runToken computed. */
export function buildValidationInputs(opts: ValidationInputOptions): AthenaValidationInputs {
  const checks = renderChecksForAthena(opts.checks ?? defaultValidationChecks(), opts.databases);
  return {
    region: opts.region,
    workgroup: opts.workgroup,
    databases: { bronze: opts.databases.bronze, silver: opts.databases.silver, gold: opts.databases.gold },
    checks,
    failOnError: opts.failOnError ?? true,
    timeoutSeconds: opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    maxConcurrency: opts.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    windowDays: opts.windowDays ?? DEFAULT_WINDOW_DAYS,
    runToken: computeRunToken(checks, opts.projectRoot ?? PROJECT_ROOT, opts.trigger ?? ''),
    ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
    ...(opts.glueJobName === undefined ? {} : { glueJobName: opts.glueJobName }),
    jobWaitSeconds: opts.jobWaitSeconds ?? DEFAULT_JOB_WAIT_SECONDS,
  };
}

/** What the program logs about a finished validation: one warning per check that did not pass. */
export function validationDiagnostics(
  summary: ValidationSummary | undefined,
  results: readonly CheckOutcome[] | undefined,
): Array<{ level: 'warn' | 'info'; message: string }> {
  if (!summary) return [];
  const lines: Array<{ level: 'warn' | 'info'; message: string }> = [];
  if (summary.status === 'fail') {
    lines.push({
      level: 'warn',
      message: `Athena validation: ${summary.failedChecks.length} of ${summary.checks} checks did not pass (runToken ${summary.runToken.slice(0, 12)}, ran ${summary.ranAt})`,
    });
    for (const r of results ?? []) {
      if (r.status === 'fail' || r.status === 'error') lines.push({ level: 'warn', message: `  [${r.status}] ${r.message ?? r.id}` });
    }
  } else {
    const noData = summary.noData > 0 ? `; ${summary.noData} data checks found no data yet (they run again when the runToken or trigger changes)` : '';
    lines.push({ level: 'info', message: `Athena validation: ${summary.passed} of ${summary.checks} checks passed${noData}` });
  }
  // Observations never fail the run: their figures are reported on their own lines.
  for (const r of results ?? []) {
    if (r.status === 'observed') lines.push({ level: 'info', message: `  [observed] ${r.id}: ${r.observed ?? ''}` });
  }
  return lines;
}

/** One provider object for every instance: Pulumi caches its serialization per object. */
const provider = new AthenaValidationProvider();

export class AthenaValidation extends pulumi.dynamic.Resource {
  // `declare`, not `!`: with target ES2022 a class field would be re-initialized to undefined
  // after super() has set these outputs.
  declare public readonly region: pulumi.Output<string>;
  declare public readonly workgroup: pulumi.Output<string>;
  declare public readonly databases: pulumi.Output<ValidationDatabases>;
  declare public readonly checks: pulumi.Output<ValidationCheck[]>;
  declare public readonly failOnError: pulumi.Output<boolean>;
  declare public readonly timeoutSeconds: pulumi.Output<number>;
  declare public readonly maxConcurrency: pulumi.Output<number>;
  declare public readonly windowDays: pulumi.Output<number>;
  declare public readonly runToken: pulumi.Output<string>;
  /** Per check: status, observed, failures, rowsChecked, bytesScanned, executionId, ranAt, message. */
  declare public readonly results: pulumi.Output<CheckOutcome[]>;
  declare public readonly summary: pulumi.Output<ValidationSummary>;

  constructor(name: string, args: AthenaValidationArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs = pulumi
      .all([
        pulumi.all([args.region, args.workgroup, args.databases, args.failOnError]),
        pulumi.all([args.timeoutSeconds, args.maxConcurrency, args.windowDays, args.trigger]),
        pulumi.all([args.glueJobName, args.jobWaitSeconds]),
      ])
      .apply(([[region, workgroup, databases, failOnError], [timeoutSeconds, maxConcurrency, windowDays, trigger], [glueJobName, jobWaitSeconds]]) =>
        buildValidationInputs({
          region,
          workgroup,
          databases,
          checks: args.checks,
          failOnError,
          timeoutSeconds,
          maxConcurrency,
          windowDays,
          trigger,
          projectRoot: args.projectRoot,
          credentials: args.credentials,
          glueJobName,
          jobWaitSeconds,
        }),
      );
    super(
      provider,
      name,
      {
        region: inputs.region,
        workgroup: inputs.workgroup,
        databases: inputs.databases,
        checks: inputs.checks,
        failOnError: inputs.failOnError,
        timeoutSeconds: inputs.timeoutSeconds,
        maxConcurrency: inputs.maxConcurrency,
        windowDays: inputs.windowDays,
        runToken: inputs.runToken,
        credentials: inputs.credentials,
        glueJobName: inputs.glueJobName,
        jobWaitSeconds: inputs.jobWaitSeconds,
        // Outputs only: declared so that `this.results` / `this.summary` exist.
        results: undefined,
        summary: undefined,
      },
      opts,
      ATHENA_VALIDATION_MODULE,
      ATHENA_VALIDATION_TYPE_NAME,
    );
    // Failures with failOnError=false (and no-data on a fresh stack) surface as engine diagnostics.
    // While a run is pending (preview) they are unknown and nothing is logged.
    pulumi.all([this.summary, this.results]).apply(([summary, results]) => {
      for (const line of validationDiagnostics(summary, results)) {
        if (line.level === 'warn') pulumi.log.warn(line.message, this);
        else pulumi.log.info(line.message, this);
      }
    });
  }
}
