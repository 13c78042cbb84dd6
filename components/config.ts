/**
 * Typed stack configuration: every key declared (with type, default and description) in
 * Pulumi.yaml's `config:` block, read and validated here before any resource is declared.
 * A bad value stops the program with one line naming the key and what was expected.
 */
import { studentIdProblem } from './naming';

/** Raised for a configuration value that cannot be used; the message names the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type IamMode = 'labRole' | 'create';
export type ExecutionClass = 'STANDARD' | 'FLEX';
/** enabled: failed checks fail the update; warn: they become warnings and outputs; off: no checks. */
export type ValidationMode = 'enabled' | 'warn' | 'off';

export interface StackConfig {
  /** Identifies the student/team/environment in every name; defaults to the stack name. */
  readonly studentId: string;
  readonly iamMode: IamMode;
  /** Existing role used for Lambda and Glue in labRole mode. */
  readonly labRoleName: string;
  /** Undefined: the stack creates the source bucket; otherwise the name of an existing one. */
  readonly existingSourceBucket: string | undefined;
  readonly generatorEnabled: boolean;
  /** EventBridge schedule expression of the generator, e.g. `rate(5 minutes)`. */
  readonly generatorSchedule: string;
  readonly minEvents: number;
  readonly maxEvents: number;
  readonly duplicateRate: number;
  /** EventBridge schedule of the ETL starter's checks, or undefined when the ETL is started by hand only. */
  readonly etlSchedule: string | undefined;
  readonly glueVersion: string;
  readonly workerType: string;
  readonly numberOfWorkers: number;
  readonly executionClass: ExecutionClass;
  readonly jobTimeoutMinutes: number;
  /** The most new source files one Glue run takes: a backlog is worked off run by run. */
  readonly etlMaxFilesPerRun: number;
  readonly bytesScannedCutoffPerQuery: number;
  readonly sourceRetentionDays: number;
  readonly destroyData: boolean;
  /** Adopt buckets an earlier destroy kept (same names, this account) instead of creating them. */
  readonly adoptKeptBuckets: boolean;
  /** Optional e-mail subscribed to the failed-run topic (the subscription must be confirmed). */
  readonly alarmEmail: string | undefined;
  /** How the post-deploy Athena validation behaves (components/athena-validation.ts). */
  readonly validation: ValidationMode;
  readonly validationTimeoutSeconds: number;
  /** Seconds the validation waits for a running Glue job run to finish before it reads the lake. */
  readonly validationJobWaitSeconds: number;
  /** Event and source days (ending today) the validation's data checks read, so their cost does not grow with the lake. */
  readonly validationWindowDays: number;
  /** Any text folded into the validation runToken: change it to re-run the checks (e.g. once data has landed). */
  readonly validationTrigger: string;
}

/** The defaults, identical to the `default:` values in Pulumi.yaml (a test keeps them equal). */
export const CONFIG_DEFAULTS = {
  studentId: '',
  iamMode: 'labRole',
  labRoleName: 'LabRole',
  source: 'create',
  generatorEnabled: true,
  generatorSchedule: 'rate(5 minutes)',
  minEvents: 500000,
  maxEvents: 750000,
  duplicateRate: '0',
  etlSchedule: 'cron(0 * * * ? *)',
  glueVersion: '5.0',
  workerType: 'G.1X',
  numberOfWorkers: 2,
  executionClass: 'STANDARD',
  jobTimeoutMinutes: 60,
  etlMaxFilesPerRun: 24,
  bytesScannedCutoffPerQuery: 10737418240,
  sourceRetentionDays: 30,
  destroyData: false,
  adoptKeptBuckets: true,
  alarmEmail: '',
  validation: 'enabled',
  validationTimeoutSeconds: 300,
  validationJobWaitSeconds: 3600,
  validationWindowDays: 1,
  validationTrigger: '',
} as const;

export type ConfigKey = keyof typeof CONFIG_DEFAULTS;

/** Raw access to the project's config namespace (pulumi.Config in the program, a map in tests). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** Worker types Glue accepts for a glueetl (batch Spark) job. */
export const GLUE_WORKER_TYPES = ['G.1X', 'G.2X', 'G.4X', 'G.8X', 'G.12X', 'G.16X', 'R.1X', 'R.2X', 'R.4X', 'R.8X'] as const;
/** FLEX runs only on these worker types. */
const FLEX_WORKER_TYPES = ['G.1X', 'G.2X'];
/** Athena's smallest allowed per-query cutoff (10 MB). */
export const MIN_BYTES_SCANNED_CUTOFF = 10485760;

function fail(key: ConfigKey, expected: string, got: string): never {
  throw new ConfigError(`config ${key}: expected ${expected}, got '${got}'`);
}

function readString(src: ConfigSource, key: ConfigKey): string {
  const raw = src.get(key);
  return raw ?? String(CONFIG_DEFAULTS[key]);
}

function readInteger(src: ConfigSource, key: ConfigKey, min: number, max: number): number {
  const raw = readString(src, key).trim();
  const n = Number(raw);
  if (raw === '' || !Number.isSafeInteger(n) || n < min || n > max) fail(key, `an integer in ${min}..${max}`, raw);
  return n;
}

function readBoolean(src: ConfigSource, key: ConfigKey): boolean {
  const raw = readString(src, key).trim();
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return fail(key, 'true or false', raw);
}

function readRate(src: ConfigSource, key: ConfigKey): number {
  const raw = readString(src, key).trim();
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || n < 0 || n >= 1) fail(key, 'a number in [0, 1)', raw);
  return n;
}

/** EventBridge schedule expressions: rate(1 minute), rate(N minutes|hours|days) or cron(6 fields). */
const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;

/** S3 bucket naming rules (general purpose buckets). */
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads and validates the whole stack configuration. `stackName` is the studentId default. */
export function loadStackConfig(src: ConfigSource, stackName: string): StackConfig {
  const studentId = readString(src, 'studentId').trim() || stackName;
  const problem = studentIdProblem(studentId);
  if (problem) throw new ConfigError(`config ${problem}`);

  const iamMode = readString(src, 'iamMode');
  if (iamMode !== 'labRole' && iamMode !== 'create') fail('iamMode', "'labRole' or 'create'", iamMode);

  const labRoleName = readString(src, 'labRoleName').trim();
  if (!/^[\w+=,.@-]{1,64}$/.test(labRoleName)) fail('labRoleName', 'an IAM role name (1-64 of letters, digits, +=,.@_-)', labRoleName);

  const source = readString(src, 'source').trim();
  if (source !== 'create' && !BUCKET_NAME.test(source)) fail('source', "'create' or the name of an existing S3 bucket", source);

  const generatorSchedule = readString(src, 'generatorSchedule').trim();
  if (!RATE.test(generatorSchedule) && !CRON.test(generatorSchedule)) {
    fail('generatorSchedule', 'an EventBridge schedule such as rate(5 minutes) or cron(0/5 * * * ? *)', generatorSchedule);
  }
  const minEvents = readInteger(src, 'minEvents', 1, 10_000_000);
  const maxEvents = readInteger(src, 'maxEvents', 1, 10_000_000);
  if (maxEvents < minEvents) fail('maxEvents', `at least minEvents (${minEvents})`, String(maxEvents));

  const etlScheduleRaw = readString(src, 'etlSchedule').trim();
  if (etlScheduleRaw !== 'off' && !RATE.test(etlScheduleRaw) && !CRON.test(etlScheduleRaw)) {
    fail('etlSchedule', "an EventBridge schedule such as cron(0/15 * * * ? *) or rate(15 minutes), or 'off'", etlScheduleRaw);
  }

  const glueVersion = readString(src, 'glueVersion').trim();
  if (!/^\d+\.\d+$/.test(glueVersion) || Number(glueVersion) < 3) fail('glueVersion', 'a Glue version such as 5.0 (3.0 or later)', glueVersion);

  const workerType = readString(src, 'workerType').trim();
  if (!(GLUE_WORKER_TYPES as readonly string[]).includes(workerType)) fail('workerType', `one of ${GLUE_WORKER_TYPES.join(', ')}`, workerType);

  const executionClass = readString(src, 'executionClass').trim();
  if (executionClass !== 'STANDARD' && executionClass !== 'FLEX') fail('executionClass', "'STANDARD' or 'FLEX'", executionClass);
  if (executionClass === 'FLEX' && !FLEX_WORKER_TYPES.includes(workerType)) {
    fail('executionClass', `STANDARD with worker type ${workerType} (FLEX runs on ${FLEX_WORKER_TYPES.join(' or ')} only)`, executionClass);
  }

  const alarmEmail = readString(src, 'alarmEmail').trim();
  if (alarmEmail !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) fail('alarmEmail', 'an e-mail address or empty', alarmEmail);

  const validation = readString(src, 'validation').trim();
  if (validation !== 'enabled' && validation !== 'warn' && validation !== 'off') fail('validation', "'enabled', 'warn' or 'off'", validation);

  return {
    studentId,
    iamMode,
    labRoleName,
    existingSourceBucket: source === 'create' ? undefined : source,
    generatorEnabled: readBoolean(src, 'generatorEnabled'),
    generatorSchedule,
    minEvents,
    maxEvents,
    duplicateRate: readRate(src, 'duplicateRate'),
    etlSchedule: etlScheduleRaw === 'off' ? undefined : etlScheduleRaw,
    glueVersion,
    workerType,
    numberOfWorkers: readInteger(src, 'numberOfWorkers', 2, 299),
    executionClass,
    jobTimeoutMinutes: readInteger(src, 'jobTimeoutMinutes', 1, 2880),
    etlMaxFilesPerRun: readInteger(src, 'etlMaxFilesPerRun', 1, 100000),
    bytesScannedCutoffPerQuery: readInteger(src, 'bytesScannedCutoffPerQuery', MIN_BYTES_SCANNED_CUTOFF, Number.MAX_SAFE_INTEGER),
    sourceRetentionDays: readInteger(src, 'sourceRetentionDays', 1, 3650),
    destroyData: readBoolean(src, 'destroyData'),
    adoptKeptBuckets: readBoolean(src, 'adoptKeptBuckets'),
    alarmEmail: alarmEmail === '' ? undefined : alarmEmail,
    validation,
    validationTimeoutSeconds: readInteger(src, 'validationTimeoutSeconds', 1, 3600),
    validationJobWaitSeconds: readInteger(src, 'validationJobWaitSeconds', 0, 7200),
    validationWindowDays: readInteger(src, 'validationWindowDays', 1, 366),
    validationTrigger: readString(src, 'validationTrigger'),
  };
}
