/**
 * Stand-ins for the code other helpers deliver (Glue script, SQL files, Lambda bundle,
 * queries), written to a temporary folder OUTSIDE the repository, so component tests exercise
 * the wiring whether or not those files exist yet. Tests against the real files live in
 * tests/components/etl-files.test.ts and fail loudly while the files are missing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { MANIFEST_PATH, manifest, sqlFiles } from '../../etl/manifest';
import type { DeliverableQuery } from '../../components/query-layer';

export interface LakehouseFixture {
  readonly etlDir: string;
  readonly queriesFile: string;
  readonly queries: DeliverableQuery[];
  readonly generatorCode: pulumi.asset.AssetArchive;
  /** Relative paths (under etlDir) of every file written, with its content. */
  readonly files: Record<string, string>;
}

export function makeFixture(): LakehouseFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-components-'));
  const etlDir = path.join(root, 'etl');
  const files: Record<string, string> = {
    'glue/job.py': '# fixture Glue script\nprint("job")\n',
    'glue/lake_io.py': '# fixture helper module\n',
    'glue/metrics.py': '# fixture helper module 2\n',
    'manifest.json': fs.readFileSync(MANIFEST_PATH, 'utf8'),
  };
  for (const sql of sqlFiles(manifest)) files[sql] = `-- fixture ${sql}\nSELECT 1 AS x\n`;
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(etlDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(etlDir, rel), content);
  }
  const queries: DeliverableQuery[] = [
    { id: 1, name: 'conversion_funnel', question: 'What is the conversion funnel per product?', sql: 'SELECT 1' },
    { id: 2, name: 'hourly_revenue', question: 'What is the revenue per hour?', sql: 'SELECT 2' },
    { id: 3, name: 'top_viewed_products', question: 'Which products are viewed most?', sql: 'SELECT 3' },
    { id: 4, name: 'category_activity', question: 'How active is each category?', sql: 'SELECT 4' },
    { id: 5, name: 'daily_users', question: 'How many users and sessions per day?', sql: 'SELECT 5' },
  ];
  const queriesFile = path.join(root, 'queries.sql');
  fs.writeFileSync(queriesFile, queries.map((q) => `-- ${q.question}\n${q.sql};`).join('\n\n'));
  const generatorCode = new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset('exports.handler = async () => ({});') });
  return { etlDir, queriesFile, queries, generatorCode, files };
}
