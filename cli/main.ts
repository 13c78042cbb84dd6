/**
 * Entry point of the `lakehouse` CLI (bin/lakehouse.js). Commands are loaded lazily so that,
 * for example, `lakehouse generate` never loads DuckDB.
 */
import { formatHelp, parseFlags, UsageError } from './args';
import { Command } from './command';

const COMMANDS: Record<string, { summary: string; load: () => Command }> = {
  generate: { summary: 'Write starter-compatible gzipped JSON Lines event files in the source bucket layout.', load: () => require('./generate').command },
  run: { summary: 'One incremental pass of the medallion pipeline over a source folder (embedded DuckDB engine).', load: () => require('./run').command },
  query: { summary: 'Run the 5 business queries of queries/queries.sql against a local lake.', load: () => require('./query').command },
  check: { summary: 'Run the validation checks against a local lake; exit 1 naming each failed check.', load: () => require('./check').command },
  demo: { summary: 'The main job: generate one hour of events, process it in 5-minute batches, query, check, report.', load: () => require('./demo').command },
};

function topLevelHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'Usage: lakehouse <command> [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    "Run 'lakehouse <command> --help' for a command's flags.",
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`lakehouse: unknown command '${name}': expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  const command = entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(formatHelp(command));
    return 0;
  }
  try {
    return await command.run(parseFlags(command, rest));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`lakehouse ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
