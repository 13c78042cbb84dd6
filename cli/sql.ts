/**
 * `lakehouse sql "<query>" --lake DIR`: one read-only SQL statement against the local lake, with
 * the tables under the names Athena uses (minus the per-stack suffix). Without a query it reads
 * the statement from standard input, or, on a terminal, opens a small shell.
 */
import * as readline from 'node:readline';
import { UsageError } from './args';
import { Command } from './command';
import { LAKE_FLAG, readableLake } from './lake-input';
import { FORMAT_FLAG, OutputFormat, toCsv, toJson, toTable } from './output';
import { openSqlSession, ResultSet, SqlInputError, SqlSession, sqlTables } from '../etl/local/queries';

/** The table names a user can write, e.g. `silver.quarantine_events (or quarantine.events)`. */
function tableList(): string {
  return sqlTables()
    .map(({ names: [name, ...aliases] }) => (aliases.length > 0 ? `${name} (or ${aliases.join(', ')})` : name))
    .join(', ');
}

/** Rows a table shows by default: a `SELECT *` on silver must not flood the terminal. */
export const DEFAULT_TABLE_ROWS = 100;

export const command: Command = {
  name: 'sql',
  summary: 'Run one read-only SQL statement (DuckDB dialect) against a local lake; without one, read it from stdin or open a shell.',
  positional: { name: 'QUERY', description: 'One SELECT, WITH, DESCRIBE, SHOW or EXPLAIN statement, quoted as one argument.' },
  flags: [
    LAKE_FLAG,
    FORMAT_FLAG,
    {
      name: 'max-rows',
      type: 'integer',
      placeholder: 'N',
      min: 1,
      default: DEFAULT_TABLE_ROWS,
      description: 'Rows a table shows at most (it says how many there are); csv and json always print every row.',
    },
  ],
  details: [
    `Tables: ${tableList()}.`,
    'Gold tables also answer to their bare names (product_funnel), as in the Athena workgroup.',
    'Examples:',
    `  lakehouse sql --lake demo/lake "SELECT event_type, count(*) AS events FROM silver.events GROUP BY 1 ORDER BY 2 DESC"`,
    `  lakehouse sql --lake demo/lake "SELECT reason, count(*) AS lines FROM quarantine.events GROUP BY 1" --format csv`,
    'Statements that would write (COPY, CREATE, INSERT, ...) are refused: the lake is changed only by lakehouse run.',
  ].join('\n'),
  async run(flags) {
    const lake = readableLake(flags.lake);
    const format = flags.format as OutputFormat;
    const maxRows = flags['max-rows'] as number;
    const query = flags.QUERY as string | undefined;
    if (query !== undefined && query.trim() === '') throw new UsageError('QUERY: expected a SQL statement, got an empty string');
    if (query === undefined && process.stdin.isTTY) return shell(await openSqlSession(lake), format, undefined, maxRows);
    const statement = query ?? (await readStdin());
    if (statement.trim() === '') throw new UsageError('QUERY: expected a SQL statement as an argument or on standard input');
    const session = await openSqlSession(lake);
    try {
      console.log(renderResult(await session.run(statement), format, maxRows));
      return 0;
    } catch (err) {
      if (err instanceof SqlInputError) throw new UsageError(`QUERY: ${err.message}`);
      throw err;
    } finally {
      session.close();
    }
  },
};

export function renderResult(result: ResultSet, format: OutputFormat, maxTableRows = DEFAULT_TABLE_ROWS): string {
  if (format === 'json') return toJson(result.rows);
  return format === 'csv' ? toCsv(result) : toTable(result, { maxRows: maxTableRows });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Where the shell reads and writes (the terminal, or streams in a test). */
export interface ShellIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errors: NodeJS.WritableStream;
}

/** A minimal shell: statements end with `;`, errors are printed and the shell goes on; .exit or Ctrl-D leaves. */
export async function shell(
  session: SqlSession,
  format: OutputFormat,
  io: ShellIo = { input: process.stdin, output: process.stdout, errors: process.stderr },
  maxTableRows = DEFAULT_TABLE_ROWS,
): Promise<number> {
  const say = (text: string) => io.output.write(`${text}\n`);
  const rl = readline.createInterface({
    input: io.input,
    output: io.output,
    prompt: 'lakehouse> ',
    terminal: (io.input as { isTTY?: boolean }).isTTY === true,
  });
  say(`Tables: ${tableList()}.\nEnd each statement with ';'. .tables lists the tables, .exit (or Ctrl-D) leaves.`);
  let buffer = '';
  rl.prompt();
  try {
    for await (const line of rl) {
      const trimmed = line.trim();
      if (buffer === '' && (trimmed === '.exit' || trimmed === '.quit')) break;
      if (buffer === '' && trimmed === '.tables') {
        say(tableList());
      } else {
        buffer += `${line}\n`;
        if (trimmed.endsWith(';')) {
          try {
            say(renderResult(await session.run(buffer), format, maxTableRows));
          } catch (err) {
            if (!(err instanceof SqlInputError)) throw err;
            io.errors.write(`error: ${err.message}\n`);
          }
          buffer = '';
        }
      }
      rl.setPrompt(buffer === '' ? 'lakehouse> ' : '      ...> ');
      rl.prompt();
    }
  } finally {
    rl.close();
    session.close();
  }
  return 0;
}
