/**
 * A small, strict flag parser shared by every `lakehouse` command.
 *
 * Bad input never half-runs a command: parsing happens before any work and a problem becomes a
 * UsageError with one line naming the flag and what was expected; main() prints it and exits 2.
 */

/** A user mistake on the command line: exit code 2, nothing written. */
export class UsageError extends Error {}

export type FlagType = 'string' | 'integer' | 'number' | 'boolean' | 'choice';

export interface FlagSpec {
  /** Long name without dashes, e.g. `events-per-file`. */
  readonly name: string;
  readonly type: FlagType;
  readonly description: string;
  /** Shown in help, e.g. `DIR`. */
  readonly placeholder?: string;
  readonly required?: boolean;
  /** Inclusive bounds for integer and number flags. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values of a choice flag. */
  readonly choices?: readonly string[];
  /** Value used when the flag is absent (shown in help). */
  readonly default?: string | number | boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** Extra paragraphs for `--help`. */
  readonly details?: string;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

/** Parses `--name value`, `--name=value` and boolean `--name`; `--help` is handled by the caller. */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): FlagValues {
  const values: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`${spec.name}: unexpected argument '${arg}': expected --flag value (see lakehouse ${spec.name} --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec.flags.find((f) => f.name === name);
    if (!flag) throw new UsageError(`${spec.name}: unknown flag --${name}: expected one of ${spec.flags.map((f) => `--${f.name}`).join(', ')}`);
    if (name in values) throw new UsageError(`--${name}: given more than once`);
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (flag.type === 'boolean') {
      if (raw !== undefined && raw !== 'true' && raw !== 'false') throw new UsageError(`--${name}: expected true or false, got '${raw}'`);
      values[name] = raw !== 'false';
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name}: expected ${describeExpected(flag)} after the flag`);
      raw = argv[++i];
    }
    values[name] = convert(flag, raw);
  }
  for (const flag of spec.flags) {
    if (values[flag.name] === undefined) {
      if (flag.required) throw new UsageError(`--${flag.name}: required: expected ${describeExpected(flag)}`);
      if (flag.default !== undefined) values[flag.name] = flag.default;
    }
  }
  return values;
}

function describeExpected(flag: FlagSpec): string {
  const range = (unit: string) =>
    flag.min !== undefined && flag.max !== undefined
      ? `${unit} from ${flag.min} to ${flag.max}`
      : flag.min !== undefined
        ? `${unit} >= ${flag.min}`
        : unit;
  switch (flag.type) {
    case 'integer':
      return range('a whole number');
    case 'number':
      return range('a number');
    case 'choice':
      return `one of ${(flag.choices ?? []).join(', ')}`;
    case 'boolean':
      return 'true or false';
    default:
      return flag.placeholder ? `a value (${flag.placeholder})` : 'a value';
  }
}

function convert(flag: FlagSpec, raw: string): string | number {
  const fail = (): never => {
    throw new UsageError(`--${flag.name}: expected ${describeExpected(flag)}, got '${raw}'`);
  };
  switch (flag.type) {
    case 'integer':
    case 'number': {
      if (raw.trim() === '') fail();
      const n = Number(raw);
      if (!Number.isFinite(n) || (flag.type === 'integer' && !Number.isInteger(n))) fail();
      if ((flag.min !== undefined && n < flag.min) || (flag.max !== undefined && n > flag.max)) fail();
      return n;
    }
    case 'choice':
      if (!(flag.choices ?? []).includes(raw)) fail();
      return raw;
    default:
      if (raw === '') fail();
      return raw;
  }
}

/** The text of `lakehouse <command> --help`. */
export function formatHelp(spec: CommandSpec): string {
  const lines = [`Usage: lakehouse ${spec.name} [flags]`, '', spec.summary, '', 'Flags:'];
  const label = (f: FlagSpec) => `--${f.name}${f.type === 'boolean' ? '' : ` ${f.placeholder ?? f.type.toUpperCase()}`}`;
  const width = Math.max(...spec.flags.map((f) => label(f).length), 6) + 2;
  for (const f of spec.flags) {
    const notes = [f.required ? 'required' : undefined, f.default !== undefined ? `default: ${f.default}` : undefined].filter(Boolean);
    lines.push(`  ${label(f).padEnd(width)}${f.description}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(width)}Show this help.`);
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}
