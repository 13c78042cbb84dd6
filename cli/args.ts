/**
 * Flag parsing shared by every `lakehouse` command, on Node's own `util.parseArgs`.
 *
 * parseArgs splits the command line into tokens (`--name value`, `--name=value`, positionals,
 * `--`); this module checks each token against the command's declared flags and converts its
 * value. Bad input never half-runs a command: parsing happens before any work and a problem
 * becomes a UsageError with one line naming the flag and what was expected; main() prints it
 * after one `lakehouse <command>:` prefix and exits 2.
 */
import { parseArgs } from 'node:util';

/** A user mistake on the command line: exit code 2, nothing written. */
export class UsageError extends Error {}

export type FlagType = 'string' | 'integer' | 'number' | 'boolean' | 'choice';

export interface FlagSpec {
  /** Long name without dashes, e.g. `events-per-file`. */
  readonly name: string;
  readonly type: FlagType;
  readonly description: string;
  /** Shown in help, e.g. `DIR`; choice flags show their choices instead. */
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

/** A value given without a flag, e.g. the query of `lakehouse sql "SELECT ..."`. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** At most one positional argument, stored under its name. */
  readonly positional?: PositionalSpec;
  /** Extra paragraphs for `--help`. */
  readonly details?: string;
  /** How a user types the command, for help and hints (default: `lakehouse <name>`). */
  readonly invocation?: string;
}

function invocation(spec: CommandSpec): string {
  return spec.invocation ?? `lakehouse ${spec.name}`;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

/** The closest of `candidates` to a mistyped `word`, if one is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const close = best.distance <= Math.max(2, Math.floor(word.length / 3));
  const prefix = word.length >= 3 && candidates.filter((c) => c.startsWith(word)).length === 1;
  if (prefix) return candidates.find((c) => c.startsWith(word));
  return close ? best.candidate : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function unknownFlag(spec: CommandSpec, rawName: string): UsageError {
  const names = spec.flags.map((f) => `--${f.name}`);
  const guess = didYouMean(rawName, [...names, '--help']);
  return new UsageError(
    guess !== undefined
      ? `unknown flag ${rawName}: did you mean ${guess}? (see ${invocation(spec)} --help)`
      : `unknown flag ${rawName}: expected one of ${names.join(', ')}`,
  );
}

/**
 * Parses `--name value`, `--name=value`, boolean `--name` (or `--name=true|false`) and the
 * command's positional argument; `--help` is handled by the caller before this runs.
 */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): FlagValues {
  const options = Object.fromEntries(spec.flags.map((f) => [f.name, { type: f.type === 'boolean' ? ('boolean' as const) : ('string' as const) }]));
  // strict: false so that every problem reaches the checks below and gets this CLI's wording.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: FlagValues = {};
  for (const token of tokens) {
    // `--` ends the flags: what follows is positional even when it starts with a dash.
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      const positional = spec.positional;
      if (positional === undefined || positional.name in values) {
        const expected = positional === undefined ? '--flag value' : 'one ' + positional.name;
        throw new UsageError(`unexpected argument '${token.value}': expected ${expected} (see ${invocation(spec)} --help)`);
      }
      values[positional.name] = token.value;
      continue;
    }
    const flag = spec.flags.find((f) => f.name === token.name);
    if (flag === undefined || !token.rawName.startsWith('--')) throw unknownFlag(spec, token.rawName);
    const name = flag.name;
    if (name in values) throw new UsageError(`--${name}: given more than once`);
    if (flag.type === 'boolean') {
      const raw = token.inlineValue ? token.value : undefined;
      if (raw !== undefined && raw !== 'true' && raw !== 'false') throw new UsageError(`--${name}: expected true or false, got '${raw}'`);
      values[name] = raw !== 'false';
      continue;
    }
    const raw = token.value;
    // parseArgs takes the next word as the value even when it is the next flag: `--out --files 2`.
    if (raw === undefined || (!token.inlineValue && raw.startsWith('--'))) throw new UsageError(`--${name}: expected ${describeExpected(flag)} after the flag`);
    values[name] = convert(flag, raw);
  }
  if (spec.positional?.required && values[spec.positional.name] === undefined) {
    throw new UsageError(`expected ${spec.positional.name}: ${spec.positional.description} (see ${invocation(spec)} --help)`);
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
    flag.min !== undefined && flag.max !== undefined ? `${unit} from ${flag.min} to ${flag.max}` : flag.min !== undefined ? `${unit} >= ${flag.min}` : unit;
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
    case 'choice': {
      if ((flag.choices ?? []).includes(raw)) return raw;
      const guess = didYouMean(raw, flag.choices ?? []);
      throw new UsageError(`--${flag.name}: expected ${describeExpected(flag)}, got '${raw}'${guess !== undefined ? ` (did you mean ${guess}?)` : ''}`);
    }
    default:
      if (raw === '') fail();
      return raw;
  }
}

/** How a flag is written in help: `--out DIR`, `--format table|csv|json`, `--verbose`. */
function flagLabel(f: FlagSpec): string {
  if (f.type === 'boolean') return `--${f.name}`;
  const value = f.type === 'choice' ? (f.choices ?? []).join('|') : (f.placeholder ?? f.type.toUpperCase());
  return `--${f.name} ${value}`;
}

/** The text of `lakehouse <command> --help`. */
export function formatHelp(spec: CommandSpec): string {
  const usage = `Usage: ${invocation(spec)}${spec.positional ? ` ${spec.positional.required ? spec.positional.name : `[${spec.positional.name}]`}` : ''} [flags]`;
  const lines = [usage, '', spec.summary, ''];
  if (spec.positional) lines.push('Arguments:', `  ${spec.positional.name}  ${spec.positional.description}`, '');
  lines.push('Flags:');
  const width = Math.max(...spec.flags.map((f) => flagLabel(f).length), 6) + 2;
  for (const f of spec.flags) {
    const notes = [f.required ? 'required' : undefined, f.default !== undefined ? `default: ${f.default}` : undefined].filter(Boolean);
    lines.push(`  ${flagLabel(f).padEnd(width)}${f.description}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(width)}Show this help.`);
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}
