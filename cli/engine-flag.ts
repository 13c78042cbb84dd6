import { FlagSpec, UsageError } from './args';
import { EngineName, ENGINES } from '../etl/engines';
import type { RunOptions, RunSummary } from '../etl/local/engine';

/** `--engine duckdb|spark`, shared by `run` and `demo`: both engines run the same SQL on the same lake layout. */
export const ENGINE_FLAG: FlagSpec = {
  name: 'engine',
  type: 'choice',
  choices: ENGINES,
  default: 'duckdb',
  description: 'Engine that runs the pipeline: the embedded DuckDB, or Spark on this machine (set up once as docs/spark-engine.md says).',
};

/** Fails (exit 2, nothing written) when the chosen engine cannot run on this machine. */
export function assertEngineAvailable(engine: EngineName): void {
  if (engine !== 'spark') return;
  const { sparkPython, SETUP_COMMAND } = require('../etl/spark/engine') as typeof import('../etl/spark/engine');
  const found = sparkPython();
  if ('problem' in found) throw new UsageError(`--engine spark: the Spark engine is not set up here (${found.problem}): run \`${SETUP_COMMAND}\` first`);
}

/**
 * Runs the chosen engine; a Spark engine that is not set up here is the user's input problem
 * (exit 2, one line naming the flag and the setup step), not a crash.
 */
export async function runChosenEngine(engine: EngineName, options: RunOptions): Promise<RunSummary> {
  const { runEngine } = require('../etl/engines') as typeof import('../etl/engines');
  try {
    return await runEngine(engine, options);
  } catch (err) {
    if (engine === 'spark') {
      const { SparkUnavailableError } = require('../etl/spark/engine') as typeof import('../etl/spark/engine');
      if (err instanceof SparkUnavailableError) throw new UsageError(`--engine spark: ${err.message}`);
    }
    throw err;
  }
}
