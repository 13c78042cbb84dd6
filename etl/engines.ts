/**
 * The engines that run the pipeline on a local source folder and lake folder. Both run the same
 * manifest and SQL and write the same lake layout and processed-files state.
 */
import type { RunOptions, RunSummary } from './local/engine';

export const ENGINES = ['duckdb', 'spark'] as const;
export type EngineName = (typeof ENGINES)[number];

/** Loads the chosen engine only when it runs (DuckDB's binary and the Spark adapter are heavy). */
export async function runEngine(engine: EngineName, options: RunOptions): Promise<RunSummary> {
  if (engine === 'spark') {
    const { runSparkIncremental } = require('./spark/engine') as typeof import('./spark/engine');
    return runSparkIncremental(options);
  }
  const { runIncremental } = require('./local/engine') as typeof import('./local/engine');
  return runIncremental(options);
}
