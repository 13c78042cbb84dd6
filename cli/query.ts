import { Command } from './command';
import { LAKE_FLAG, readableLake } from './lake-input';
import { FORMAT_FLAG, OutputFormat, toCsv, toJson, toTable } from './output';
import type { QueryResult } from '../etl/local/queries';

/** `lakehouse query --lake DIR [--format table|csv|json]`: the 5 deliverable queries. */
export const command: Command = {
  name: 'query',
  summary: 'Run the 5 business queries of queries/queries.sql against a local lake.',
  flags: [LAKE_FLAG, { ...FORMAT_FLAG, description: `${FORMAT_FLAG.description} JSON is one object keyed "1".."5", each an array of row objects.` }],
  details: "For any other question, 'lakehouse sql' runs your own SELECT on the same tables.",
  async run(flags) {
    const lake = readableLake(flags.lake);
    // Loaded here so that --help and flag errors never load DuckDB.
    const { runDeliverableQueries } = require('../etl/local/queries') as typeof import('../etl/local/queries');
    console.log(renderQueryResults(await runDeliverableQueries(lake), flags.format as OutputFormat));
    return 0;
  },
};

export function renderQueryResults(results: readonly QueryResult[], format: OutputFormat): string {
  if (format === 'json') return toJson(Object.fromEntries(results.map((r) => [String(r.id), r.rows])));
  return results
    .map((r) => (format === 'csv' ? `# ${r.id}. ${r.name}: ${r.question}\n${toCsv(r)}` : `${r.id}. ${r.name}: ${r.question}\n${toTable(r)}`))
    .join('\n\n');
}
