/**
 * Entry point of the `lakehouse` CLI (bin/lakehouse.js). Commands are loaded lazily so that,
 * for example, `lakehouse generate` never loads DuckDB.
 */
import { didYouMean, formatHelp, parseFlags, UsageError } from './args';
import { Command } from './command';
import { InputError } from '../etl/local/errors';

/** Every command, in the order the help lists them. */
const COMMANDS: Record<string, { summary: string; load: () => Command }> = {
  demo: {
    summary: 'The main job (npm start): generate one hour of events, process it in 5-minute batches, query, check, write a report.',
    load: () => require('./demo').command,
  },
  generate: { summary: 'Write starter-compatible gzipped JSON Lines event files in the source bucket layout.', load: () => require('./generate').command },
  run: { summary: 'One incremental pass of the medallion pipeline over a source folder.', load: () => require('./run').command },
  query: { summary: 'Run the 5 business queries of queries/queries.sql against a local lake.', load: () => require('./query').command },
  sql: { summary: 'Run your own read-only SQL on a local lake (silver.events, gold.product_funnel, ...).', load: () => require('./sql').command },
  check: { summary: 'Run the validation checks against a local lake; exit 1 naming each failed check.', load: () => require('./check').command },
};

/** The version in package.json (the one `npm ci` installed). */
export function version(): string {
  return (require('../package.json') as { version: string }).version;
}

function topLevelHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'Usage: lakehouse <command> [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'Flags:',
    `  ${'--help'.padEnd(width + 2)}Show this help; 'lakehouse <command> --help' shows a command's flags.`,
    `  ${'--version'.padEnd(width + 2)}Print the version.`,
    '',
    "New here? 'lakehouse demo' (what npm start runs) processes one generated hour and writes demo/report.html.",
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  // `lakehouse help <command>` is `lakehouse <command> --help`.
  if (name === 'help' && rest.length > 0) return main([rest[0], '--help']);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(version());
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const guess = didYouMean(name, Object.keys(COMMANDS));
    const hint = guess !== undefined ? `did you mean '${guess}'? ` : '';
    console.error(`lakehouse: unknown command '${name}': ${hint}expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  const command = entry.load();
  // Flags only: `lakehouse sql "SELECT '--help'"` is a query, not a request for help.
  const flagsOnly = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : rest.length);
  if (flagsOnly.includes('--help') || flagsOnly.includes('-h')) {
    console.log(formatHelp(command));
    return 0;
  }
  try {
    return await command.run(parseFlags(command, rest));
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputError) {
      console.error(`lakehouse ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
