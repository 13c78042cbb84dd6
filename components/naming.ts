/**
 * Every AWS name the program creates, derived in one place from the stack's studentId.
 *
 * Glue and Athena names are explicit, lowercase, underscores only (Pulumi autonames would add
 * a random suffix that nobody can type into the Athena console). S3 names follow the course
 * contract `capstone-<kind>-<studentId>-<accountId>`.
 */
import type { DatabaseLayer } from '../etl/schema';

/** S3 bucket names are at most 63 characters. */
export const MAX_BUCKET_NAME_LENGTH = 63;
/** AWS account ids are always 12 digits, so bucket lengths are known before the account is. */
export const ACCOUNT_ID_LENGTH = 12;
export const STUDENT_ID_PATTERN = /^[a-z0-9-]+$/;

/** The two bucket kinds; the longer prefix bounds the studentId length. */
export const BUCKET_PREFIXES = { source: 'capstone-events', analytics: 'capstone-analytics' } as const;
export type BucketKind = keyof typeof BUCKET_PREFIXES;

export function bucketName(kind: BucketKind, studentId: string, accountId: string): string {
  return `${BUCKET_PREFIXES[kind]}-${studentId}-${accountId}`;
}

/**
 * The bucket name when the account id is already known as text: adopting a kept bucket (the
 * `import` option) needs its name before any Output resolves.
 */
export function plainBucketName(kind: BucketKind, studentId: string, accountId: unknown): string {
  if (typeof accountId !== 'string') throw new Error(`adopting the ${kind} bucket needs the account id as text, not an Output`);
  return bucketName(kind, studentId, accountId);
}

/** Longest studentId whose derived bucket names all fit in 63 characters. */
export function maxStudentIdLength(): number {
  const longestPrefix = Math.max(...Object.values(BUCKET_PREFIXES).map((p) => p.length));
  // prefix + '-' + studentId + '-' + 12-digit account id
  return MAX_BUCKET_NAME_LENGTH - longestPrefix - 2 - ACCOUNT_ID_LENGTH;
}

/**
 * Returns why a studentId is unusable, or undefined when it is fine. Checked before any
 * resource is declared, so a bad id never leaves half a stack behind.
 */
export function studentIdProblem(studentId: string): string | undefined {
  if (!STUDENT_ID_PATTERN.test(studentId)) {
    return `studentId '${studentId}': expected lowercase letters, digits and hyphens only (${STUDENT_ID_PATTERN})`;
  }
  if (studentId.startsWith('-') || studentId.endsWith('-') || studentId.includes('--')) {
    return `studentId '${studentId}': expected no leading, trailing or doubled hyphen (S3 bucket names forbid them)`;
  }
  const sample = '0'.repeat(ACCOUNT_ID_LENGTH);
  for (const kind of Object.keys(BUCKET_PREFIXES) as BucketKind[]) {
    const name = bucketName(kind, studentId, sample);
    if (name.length > MAX_BUCKET_NAME_LENGTH) {
      return (
        `studentId '${studentId}': expected at most ${maxStudentIdLength()} characters, because bucket ` +
        `'${bucketName(kind, studentId, '<12-digit account id>')}' would be ${name.length} characters (S3 allows ${MAX_BUCKET_NAME_LENGTH})`
      );
    }
  }
  return undefined;
}

/** Glue/Athena spelling of the studentId: hyphens become underscores. */
export function glueId(studentId: string): string {
  return studentId.replace(/-/g, '_');
}

/** Glue database of a layer for this stack, e.g. `silver_jdoe_01`. */
export function databaseName(layer: DatabaseLayer, studentId: string): string {
  return `${layer}_${glueId(studentId)}`;
}

/** Names of the remaining named things; one function each so tests and docs can reuse them. */
export const names = {
  glueJob: (studentId: string) => `lakehouse_etl_${glueId(studentId)}`,
  etlStarterFunction: (studentId: string) => `lakehouse-etl-starter-${studentId}`,
  etlStarterSchedule: (studentId: string) => `lakehouse-etl-starter-schedule-${studentId}`,
  etlStarterRole: (studentId: string) => `lakehouse-etl-starter-${studentId}`,
  workgroup: (studentId: string) => `lakehouse_${glueId(studentId)}`,
  generatorFunction: (studentId: string) => `lakehouse-generator-${studentId}`,
  generatorSchedule: (studentId: string) => `lakehouse-generator-schedule-${studentId}`,
  etlFailureRule: (studentId: string) => `lakehouse-etl-failed-${studentId}`,
  etlFailureTopic: (studentId: string) => `lakehouse-etl-failed-${studentId}`,
  etlFailureAlarm: (studentId: string) => `lakehouse-etl-failed-runs-${studentId}`,
  lambdaRole: (studentId: string) => `lakehouse-generator-${studentId}`,
  glueRole: (studentId: string) => `lakehouse-glue-${studentId}`,
  namedQuery: (id: number, name: string) => `q${id}_${name}`,
  dashboard: (studentId: string) => `lakehouse-${studentId}`,
} as const;
