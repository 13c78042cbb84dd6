/**
 * docs/data-dictionary.md, rendered from etl/schema.ts (the single source of truth), so the
 * documented tables and columns can never drift from the ones the program creates.
 *
 *   npx tsx scripts/data-dictionary.ts            prints the Markdown
 *   npx tsx scripts/data-dictionary.ts --write    writes docs/data-dictionary.md
 *
 * tests/scripts/data-dictionary.test.ts fails when docs/data-dictionary.md differs from this rendering.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseFlags, UsageError, type CommandSpec } from '../cli/args';
import { catalogPartitionKeys } from '../etl/catalog';
import { sqlTableNames } from '../etl/local/queries';
import { PartitionFormat, TableDef, TABLES } from '../etl/schema';

export const DICTIONARY_PATH = path.join(__dirname, '..', 'docs', 'data-dictionary.md');

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
  const local =
    table.layer === 'raw'
      ? 'not a lake table (the source folder itself)'
      : sqlTableNames(table)
          .map((n) => `\`${n}\``)
          .join(' or ');
  const lines = [
    `### \`${table.database}_<id>.${table.name}\``,
    '',
    cell(table.description),
    '',
    `- Location: \`s3://${bucket}/${table.location}/${partitionPath}${partitionPath ? '/' : ''}\` (${table.format})`,
    `- In \`lakehouse sql\`: ${local}`,
    '',
    '| Column | Type | Nullable | Description |',
    '| --- | --- | --- | --- |',
  ];
  for (const column of table.columns) {
    const source = column.sourceKey !== undefined ? ` (source key \`${column.sourceKey}\`)` : '';
    lines.push(`| \`${column.name}\` | ${column.type} | ${column.nullable ? 'yes' : 'no'} | ${cell(column.description + source)} |`);
  }
  // Path levels below the catalog's partitions (the raw table's minute) are folders, not columns.
  for (const key of catalogPartitionKeys(table)) {
    lines.push(`| \`${key.name}\` | ${key.type} | ${key.nullable ? 'yes' : 'no'} | Partition (${partitionFormat(key.format)}). ${cell(key.description)} |`);
  }
  lines.push('');
  return lines;
}

/** The whole of docs/data-dictionary.md, ending with a newline. */
export function renderDataDictionary(tables: readonly TableDef[] = TABLES): string {
  const lines = [
    '# Data dictionary',
    '',
    '<!-- Generated from etl/schema.ts by `npx tsx scripts/data-dictionary.ts --write`: edit the schema, not this file. -->',
    '',
    "Every table of the lakehouse, its columns, types and partitions. In AWS, `<id>` is the stack's",
    'studentId with hyphens replaced by underscores; every table is partitioned and registered with',
    'partition projection, so new partitions are queryable without a crawler. On your machine the same',
    'tables live in the lake folder under the same paths, and `lakehouse sql` knows them by the names',
    'given with each table.',
    '',
  ];
  const layers = [...new Set(tables.map((t) => t.layer))];
  for (const layer of layers) {
    lines.push(`## ${LAYER_TITLES[layer]}`, '');
    for (const table of tables.filter((t) => t.layer === layer)) lines.push(...renderTable(table));
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

const SPEC: CommandSpec = {
  name: 'data-dictionary',
  invocation: 'npx tsx scripts/data-dictionary.ts',
  summary: 'Print the data dictionary rendered from etl/schema.ts, or write it to docs/data-dictionary.md.',
  flags: [
    { name: 'write', type: 'boolean', description: 'Write the file instead of printing.', default: false },
    { name: 'file', type: 'string', placeholder: 'FILE', description: 'File to write.', default: DICTIONARY_PATH },
  ],
};

export function main(argv: readonly string[]): number {
  try {
    const flags = parseFlags(SPEC, argv);
    const text = renderDataDictionary();
    if (flags.write !== true) {
      process.stdout.write(text);
      return 0;
    }
    const file = String(flags.file);
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (before !== text) fs.writeFileSync(file, text);
    console.error(`${file}: data dictionary ${before === text ? 'already up to date' : 'written'} (${TABLES.length} tables)`);
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
