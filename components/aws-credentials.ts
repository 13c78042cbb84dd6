/**
 * The stack's AWS credential settings, read once from the `aws:` config namespace and handed to
 * every AWS client the program creates: the explicit aws.Provider (which, unlike the default
 * provider, does not read `aws:` stack config by itself), the AthenaValidation provider's SDK
 * clients and the kept-bucket lookup. Without this, `aws:profile` or `aws:assumeRoles` set on
 * the stack would be ignored and the environment's default credentials (possibly another
 * account's) used instead.
 *
 * Honoured keys: `aws:region`, `aws:profile`, `aws:assumeRoles` (a list; each role is assumed
 * with the credentials of the one before), `aws:sharedConfigFiles`, `aws:sharedCredentialsFiles`.
 * Static keys belong in the environment or a profile, never in a dynamic provider's inputs
 * (which the state stores).
 *
 * The SDK-side functions `require` what they use inside their bodies: the validation provider
 * captures them by value when Pulumi serializes it.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { ConfigError } from './config';

/** One role of `aws:assumeRoles`, as the AWS provider's ProviderAssumeRole spells it. */
export interface AssumeRoleSetting {
  readonly roleArn: string;
  readonly sessionName?: string;
  readonly externalId?: string;
  /** Go duration text, e.g. `1h` or `15m` (the AWS provider's format). */
  readonly duration?: string;
}

export interface AwsCredentialSettings {
  readonly profile?: string;
  readonly assumeRoles?: readonly AssumeRoleSetting[];
  readonly sharedConfigFiles?: readonly string[];
  readonly sharedCredentialsFiles?: readonly string[];
}

/** What the program reads the `aws:` namespace through (pulumi.Config('aws'), a map in tests). */
export interface AwsConfigSource {
  get(key: string): string | undefined;
}

function parseList(src: AwsConfigSource, key: string): unknown[] | undefined {
  const raw = src.get(key);
  if (raw === undefined || raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`config aws:${key}: expected a YAML list, got '${raw}'`);
  }
  if (!Array.isArray(value)) throw new ConfigError(`config aws:${key}: expected a list, got '${raw}'`);
  return value;
}

function stringList(src: AwsConfigSource, key: string): string[] | undefined {
  const list = parseList(src, key);
  if (list === undefined) return undefined;
  if (!list.every((v) => typeof v === 'string' && v !== '')) throw new ConfigError(`config aws:${key}: expected a list of file paths`);
  return list as string[];
}

/** Reads and checks the credential settings of the `aws:` namespace. */
export function readAwsCredentialSettings(src: AwsConfigSource): AwsCredentialSettings {
  const profile = src.get('profile')?.trim();
  const roles = parseList(src, 'assumeRoles')?.map((role, i) => {
    const r = role as Record<string, unknown> | null;
    if (r === null || typeof r !== 'object' || typeof r.roleArn !== 'string' || !/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(r.roleArn)) {
      throw new ConfigError(`config aws:assumeRoles[${i}].roleArn: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deployer`);
    }
    for (const key of ['sessionName', 'externalId', 'duration'] as const) {
      if (r[key] !== undefined && typeof r[key] !== 'string') throw new ConfigError(`config aws:assumeRoles[${i}].${key}: expected text`);
    }
    if (typeof r.duration === 'string') durationSeconds(r.duration, `aws:assumeRoles[${i}].duration`);
    return {
      roleArn: r.roleArn,
      ...(typeof r.sessionName === 'string' ? { sessionName: r.sessionName } : {}),
      ...(typeof r.externalId === 'string' ? { externalId: r.externalId } : {}),
      ...(typeof r.duration === 'string' ? { duration: r.duration } : {}),
    };
  });
  const sharedConfigFiles = stringList(src, 'sharedConfigFiles');
  const sharedCredentialsFiles = stringList(src, 'sharedCredentialsFiles');
  return {
    ...(profile ? { profile } : {}),
    ...(roles && roles.length > 0 ? { assumeRoles: roles } : {}),
    ...(sharedConfigFiles ? { sharedConfigFiles } : {}),
    ...(sharedCredentialsFiles ? { sharedCredentialsFiles } : {}),
  };
}

/** Seconds of a Go-style duration (`1h`, `15m`, `1h30m`, `900s`); `what` names the setting. */
export function durationSeconds(text: string, what: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') throw new ConfigError(`config ${what}: expected a duration such as 1h or 15m, got '${text}'`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * Client configuration for an AWS SDK v3 client that uses the stack's credentials: the region,
 * the profile (with the shared files it lives in), and, when roles are to be assumed, a
 * credential provider that assumes them in order through STS.
 */
export function sdkClientConfig(
  region: string,
  settings: AwsCredentialSettings | undefined,
): { region: string; profile?: string; credentials?: AwsCredentialIdentityProvider } {
  const s = settings ?? {};
  // The SDK reads these two variables to find the profile; the provider takes them as settings.
  if (s.sharedConfigFiles?.[0] !== undefined) process.env.AWS_CONFIG_FILE = s.sharedConfigFiles[0];
  if (s.sharedCredentialsFiles?.[0] !== undefined) process.env.AWS_SHARED_CREDENTIALS_FILE = s.sharedCredentialsFiles[0];
  const roles = s.assumeRoles ?? [];
  if (roles.length === 0) return { region, ...(s.profile ? { profile: s.profile } : {}) };

  const assumeChain = async (): Promise<AwsCredentialIdentity> => {
    const sts = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
    let current: AwsCredentialIdentity | undefined;
    let expiration: Date | undefined;
    for (const role of roles) {
      const client = new sts.STSClient({ region, ...(current ? { credentials: current } : s.profile ? { profile: s.profile } : {}) });
      const seconds = role.duration === undefined ? undefined : durationSeconds(role.duration, 'aws:assumeRoles duration');
      const out = await client.send(
        new sts.AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName ?? 'lakehouse-pulumi',
          ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
          ...(seconds === undefined ? {} : { DurationSeconds: seconds }),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${role.roleArn} returned no credentials`);
      current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
      expiration = c.Expiration;
    }
    return { ...(current as AwsCredentialIdentity), ...(expiration ? { expiration } : {}) };
  };
  // One assumption per client, renewed when it expires (validation runs are minutes long).
  let cached: Promise<AwsCredentialIdentity> | undefined;
  const provider: AwsCredentialIdentityProvider = async () => {
    const held = cached ? await cached.catch(() => undefined) : undefined;
    if (!held || (held.expiration !== undefined && held.expiration.getTime() - Date.now() < 60_000)) cached = assumeChain();
    return cached as Promise<AwsCredentialIdentity>;
  };
  return { region, credentials: provider };
}
