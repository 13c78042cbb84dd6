/**
 * The Spark environment for tests: its Python, or a skip that says why. In CI (CI=true) a missing
 * environment fails the run instead: .ci/run installs it, so its absence is a broken install.
 */
import { sparkPython, SETUP_COMMAND } from '../../etl/spark/engine';

export function sparkPythonOrSkip(ctx: Mocha.Context): string {
  const env = sparkPython();
  if ('python' in env) return env.python;
  if (process.env.CI === 'true') throw new Error(`the Spark environment is missing in CI (${env.problem}): .ci/run must run \`${SETUP_COMMAND}\``);
  console.log(`      skipped: the Spark environment is missing (${env.problem}); run \`${SETUP_COMMAND}\` to include these tests`);
  ctx.skip();
  throw new Error('unreachable');
}
