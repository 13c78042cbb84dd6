/**
 * Bundles a Lambda handler module into one CommonJS file with every dependency (the AWS SDK
 * included, so the function runs the SDK version the tests ran, not the runtime's).
 * Deterministic output: the same sources give the same archive hash, so Pulumi updates the
 * function exactly when the code changed.
 */
import * as pulumi from '@pulumi/pulumi';
import * as esbuild from 'esbuild';
import * as fs from 'fs';

/** `what` names the function in the error for a missing entry point. */
export function bundleLambda(entry: string, what: string): pulumi.asset.AssetArchive {
  if (!fs.existsSync(entry)) {
    throw new Error(`${what} bundle: entry '${entry}' not found; expected the Lambda handler module exporting 'handler'`);
  }
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(result.outputFiles[0].text) });
}
