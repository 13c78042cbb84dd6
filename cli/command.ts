import { CommandSpec, FlagValues } from './args';

/** One `lakehouse <name>` command: its flags (parsed and validated before run) and its action. */
export interface Command extends CommandSpec {
  /** Resolves to the process exit code. Throw UsageError for bad input (exit 2). */
  run(flags: FlagValues): Promise<number>;
}
