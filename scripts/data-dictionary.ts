/**
 * The README data dictionary, rendered from etl/schema.ts (the single source of truth), so the
 * documented tables and columns can never drift from the ones the program creates.
 *
 *   npx tsx scripts/data-dictionary.ts            prints the Markdown
 *   npx tsx scripts/data-dictionary.ts --write    replaces the README section between
 *                                                 <!-- data-dictionary:start --> and <!-- data-dictionary:end -->
 *
 * tests/data-dictionary.test.ts fails when the README section differs from this rendering.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseFlags, UsageError, type CommandSpec } from '../cli/args';
import { PartitionFormat, TableDef, TABLES } from '../etl/schema';

export const START_MARKER = '<!-- data-dictionary:start -->';
export const END_MARKER = '<!-- data-dictionary:end -->';
export const README_PATH = path.join(__dirname, '..', 'README.md');

const LAYER_TITLES: Record<TableDef['layer'], string> = {
  raw: 'Raw (source bucket)',
  bronze: 'Bronze',
  quarantine: 'Quarantine',
  silver: 'Silver',
  gold: 'Gold',
};

/** A Markdown table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function partitionFormat(format: PartitionFormat): string {
  switch (format.kind) {
    case 'date':
      return 'yyyy-MM-dd';
    case 'integer':
      return `${format.min}..${format.max}, unpadded`;
    case 'padded':
      return `${String(format.min).padStart(format.digits, '0')}..${String(format.max).padStart(format.digits, '0')}, ${format.digits} digits`;
    case 'calendar_year':
      return `${format.min} onwards, 4 digits`;
  }
}

function renderTable(table: TableDef): string[] {
  const bucket = table.layer === 'raw' ? 'capstone-events-<studentId>-<accountId>' : 'capstone-analytics-<studentId>-<accountId>';
  const partitionPath = table.partitionKeys.map((k) => `${k.name}=…`).join('/');
  const lines = [
    `#### \`${table.database}_<id>.${table.name}\``,
    '',
    cell(table.description),
    '',
    `- Location: \`s3://${bucket}/${table.location}/${partitionPath}${partitionPath ? '/' : ''}\` (${table.format})`,
    `- Reference in code: \`${table.id}\``,
    '',
    '| Column | Type | Nullable | Description |',
    '| --- | --- | --- | --- |',
  ];
  for (const column of table.columns) {
    const source = column.sourceKey !== undefined ? ` (source key \`${column.sourceKey}\`)` : '';
    lines.push(`| \`${column.name}\` | ${column.type} | ${column.nullable ? 'yes' : 'no'} | ${cell(column.description + source)} |`);
  }
  for (const key of table.partitionKeys) {
    lines.push(`| \`${key.name}\` | ${key.type} | ${key.nullable ? 'yes' : 'no'} | Partition (${partitionFormat(key.format)}). ${cell(key.description)} |`);
  }
  lines.push('');
  return lines;
}

/** The data dictionary section body (between the markers), ending with a newline. */
export function renderDataDictionary(tables: readonly TableDef[] = TABLES): string {
  const lines = [
    '<!-- Generated from etl/schema.ts by `npx tsx scripts/data-dictionary.ts --write`: edit the schema, not this section. -->',
    '',
    '`<id>` is the stack\'s studentId with hyphens replaced by underscores; every table is partitioned and',
    'registered with partition projection, so new partitions are queryable without a crawler.',
    '',
  ];
  const layers = [...new Set(tables.map((t) => t.layer))];
  for (const layer of layers) {
    lines.push(`### ${LAYER_TITLES[layer]}`, '');
    for (const table of tables.filter((t) => t.layer === layer)) lines.push(...renderTable(table));
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** The README section between the markers, or undefined when the README has no (complete) markers. */
export function readSection(readme: string): string | undefined {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(start + START_MARKER.length, end).replace(/^\n/, '');
}

/** The README with the section between the markers replaced; throws naming the missing marker. */
export function replaceSection(readme: string, body: string, file = 'README.md'): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1) throw new Error(`${file}: expected a line '${START_MARKER}' where the data dictionary starts`);
  if (end === -1 || end < start) throw new Error(`${file}: expected a line '${END_MARKER}' after '${START_MARKER}'`);
  return `${readme.slice(0, start + START_MARKER.length)}\n${body}${readme.slice(end)}`;
}

const SPEC: CommandSpec = {
  name: 'data-dictionary',
  invocation: 'npx tsx scripts/data-dictionary.ts',
  summary: 'Print the data dictionary rendered from etl/schema.ts, or write it into the README section between the markers.',
  flags: [
    { name: 'write', type: 'boolean', description: 'Replace the README section instead of printing.', default: false },
    { name: 'readme', type: 'string', placeholder: 'FILE', description: 'README to update.', default: README_PATH },
  ],
};

export function main(argv: readonly string[]): number {
  try {
    const flags = parseFlags(SPEC, argv);
    const body = renderDataDictionary();
    if (flags.write !== true) {
      process.stdout.write(body);
      return 0;
    }
    const file = String(flags.readme);
    if (!fs.existsSync(file)) throw new Error(`--readme: expected an existing file, got '${file}'`);
    const before = fs.readFileSync(file, 'utf8');
    const after = replaceSection(before, body, file);
    if (after !== before) fs.writeFileSync(file, after);
    console.error(`${file}: data dictionary ${after === before ? 'already up to date' : 'updated'} (${TABLES.length} tables)`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${SPEC.name}: ${err.message}`);
      return 2;
    }
    console.error((err as Error).message);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
