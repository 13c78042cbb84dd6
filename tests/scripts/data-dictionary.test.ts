/**
 * docs/data-dictionary.md: rendered from etl/schema.ts, every table and column present with its
 * type and nullability, and the file equal to the rendering (so it cannot drift).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { catalogPartitionKeys } from '../../etl/catalog';
import { TableDef, TABLES } from '../../etl/schema';
import { sqlTableNames } from '../../etl/local/queries';
import { DICTIONARY_PATH, main, renderDataDictionary } from '../../scripts/data-dictionary';

interface RenderedRow {
  name: string;
  type: string;
  nullable: string;
  description: string;
}

/** Splits a Markdown table row on unescaped pipes. */
function cells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** The rendered sections by heading (`<database>_<id>.<name>`) with their column rows. */
function parseRendered(markdown: string): Map<string, RenderedRow[]> {
  const sections = new Map<string, RenderedRow[]>();
  let current: RenderedRow[] | undefined;
  for (const line of markdown.split('\n')) {
    const heading = line.match(/^### `([^`]+)`$/);
    if (heading) {
      current = [];
      sections.set(heading[1], current);
      continue;
    }
    const row = line.match(/^\| `([^`]+)` \|/);
    if (row && current) {
      const [name, type, nullable, description] = cells(line);
      current.push({ name: name.replace(/`/g, ''), type, nullable, description });
    }
  }
  return sections;
}

/** Silences console.error around a call and returns what it printed. */
function captureStderr(fn: () => number): { code: number; stderr: string } {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    return { code: fn(), stderr: lines.join('\n') };
  } finally {
    console.error = original;
  }
}

describe('data dictionary (scripts/data-dictionary.ts)', () => {
  const rendered = renderDataDictionary();
  const sections = parseRendered(rendered);

  it('renders one section per table of the schema, in the schema order', () => {
    expect([...sections.keys()]).to.deep.equal(TABLES.map((t) => `${t.database}_<id>.${t.name}`));
  });

  it('lists every column and partition key of every table with its type, nullability and description', () => {
    for (const table of TABLES) {
      const rows = sections.get(`${table.database}_<id>.${table.name}`)!;
      // the catalog's columns: the raw table's minute folders are not one
      const columns = [...table.columns, ...catalogPartitionKeys(table)];
      expect(
        rows.map((r) => r.name),
        table.id,
      ).to.deep.equal(columns.map((c) => c.name));
      rows.forEach((row, i) => {
        const column = columns[i];
        expect(row.type, `${table.id}.${column.name}`).to.equal(column.type);
        expect(row.nullable, `${table.id}.${column.name}`).to.equal(column.nullable ? 'yes' : 'no');
        expect(row.description.replace(/\\\|/g, '|'), `${table.id}.${column.name}`).to.include(column.description);
      });
      for (const key of catalogPartitionKeys(table)) {
        expect(rows.find((r) => r.name === key.name)?.description, `${table.id}.${key.name}`).to.match(/^Partition \(/);
      }
    }
  });

  it('names each table location and the source key of renamed columns', () => {
    for (const table of TABLES) expect(rendered).to.include(`/${table.location}/`);
    const renamed = TABLES.flatMap((t) => t.columns.filter((c) => c.sourceKey !== undefined));
    expect(renamed.length).to.be.greaterThan(0);
    for (const column of renamed) expect(rendered).to.include(`(source key \`${column.sourceKey}\`)`);
  });

  it('escapes pipes so a description cannot break the table', () => {
    const table: TableDef = {
      ...TABLES[TABLES.length - 1],
      columns: [{ name: 'odd', type: 'string', nullable: true, description: 'a | b' }],
      partitionKeys: [],
    };
    const rows = [...parseRendered(renderDataDictionary([table])).values()][0];
    expect(rows).to.deep.equal([{ name: 'odd', type: 'string', nullable: 'yes', description: 'a \\| b' }]);
  });

  it('names each lake table as lakehouse sql knows it', () => {
    for (const table of TABLES.filter((t) => t.layer !== 'raw')) {
      expect(rendered, table.id).to.include(
        `- In \`lakehouse sql\`: ${sqlTableNames(table)
          .map((n) => `\`${n}\``)
          .join(' or ')}`,
      );
    }
  });

  it('--write writes the file, then reports it up to date; a bad flag is one line and exit 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-dictionary-'));
    try {
      const file = path.join(dir, 'data-dictionary.md');
      const first = captureStderr(() => main(['--write', '--file', file]));
      expect(first).to.deep.equal({ code: 0, stderr: `${file}: data dictionary written (${TABLES.length} tables)` });
      expect(fs.readFileSync(file, 'utf8')).to.equal(rendered);
      const again = captureStderr(() => main(['--write', '--file', file]));
      expect(again).to.deep.equal({ code: 0, stderr: `${file}: data dictionary already up to date (${TABLES.length} tables)` });

      const bad = captureStderr(() => main(['--wrte']));
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.equal('data-dictionary: unknown flag --wrte: did you mean --write? (see npx tsx scripts/data-dictionary.ts --help)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docs/data-dictionary.md equals the rendering from the schema', () => {
    expect(fs.readFileSync(DICTIONARY_PATH, 'utf8'), 'docs/data-dictionary.md is stale: run `npx tsx scripts/data-dictionary.ts --write`').to.equal(rendered);
  });
});
