/**
 * The README data dictionary: rendered from etl/schema.ts, every table and column present with
 * its type and nullability, and the README section equal to the rendering (so it cannot drift).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allColumns, TableDef, TABLES } from '../etl/schema';
import {
  END_MARKER,
  main,
  readSection,
  README_PATH,
  renderDataDictionary,
  replaceSection,
  START_MARKER,
} from '../scripts/data-dictionary';

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
    const heading = line.match(/^#### `([^`]+)`$/);
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
      const columns = allColumns(table);
      expect(rows.map((r) => r.name), table.id).to.deep.equal(columns.map((c) => c.name));
      rows.forEach((row, i) => {
        const column = columns[i];
        expect(row.type, `${table.id}.${column.name}`).to.equal(column.type);
        expect(row.nullable, `${table.id}.${column.name}`).to.equal(column.nullable ? 'yes' : 'no');
        expect(row.description.replace(/\\\|/g, '|'), `${table.id}.${column.name}`).to.include(column.description);
      });
      for (const key of table.partitionKeys) {
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

  it('replaces exactly the section between the markers, and names a missing marker', () => {
    const readme = `# Title\n\n${START_MARKER}\nold text\n${END_MARKER}\n\n## After\n`;
    const updated = replaceSection(readme, rendered);
    expect(readSection(updated)).to.equal(rendered);
    expect(updated.startsWith(`# Title\n\n${START_MARKER}\n`)).to.equal(true);
    expect(updated.endsWith(`${END_MARKER}\n\n## After\n`)).to.equal(true);
    expect(replaceSection(updated, rendered)).to.equal(updated);
    expect(() => replaceSection('# no markers\n', rendered)).to.throw(`README.md: expected a line '${START_MARKER}' where the data dictionary starts`);
    expect(() => replaceSection(`${START_MARKER}\n`, rendered)).to.throw(`README.md: expected a line '${END_MARKER}' after '${START_MARKER}'`);
  });

  it('--write updates a README with markers; fails with one line without them or on a bad flag', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-dictionary-'));
    try {
      const withMarkers = path.join(dir, 'README.md');
      fs.writeFileSync(withMarkers, `# x\n${START_MARKER}\n${END_MARKER}\n`);
      const ok = captureStderr(() => main(['--write', '--readme', withMarkers]));
      expect(ok.code).to.equal(0);
      expect(readSection(fs.readFileSync(withMarkers, 'utf8'))).to.equal(rendered);
      expect(ok.stderr).to.equal(`${withMarkers}: data dictionary updated (${TABLES.length} tables)`);

      const without = path.join(dir, 'PLAIN.md');
      fs.writeFileSync(without, '# x\n');
      const missing = captureStderr(() => main(['--write', '--readme', without]));
      expect(missing).to.deep.equal({ code: 1, stderr: `${without}: expected a line '${START_MARKER}' where the data dictionary starts` });
      expect(fs.readFileSync(without, 'utf8')).to.equal('# x\n');

      const bad = captureStderr(() => main(['--wrte']));
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.equal('data-dictionary: unknown flag --wrte: did you mean --write? (see npx tsx scripts/data-dictionary.ts --help)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the README section equals the rendering from the schema', function () {
    const readme = fs.readFileSync(README_PATH, 'utf8');
    const section = readSection(readme);
    if (section === undefined) {
      console.log(`      skipped: README.md has no '${START_MARKER}' ... '${END_MARKER}' markers yet, so there is no section to compare`);
      this.skip();
    }
    expect(section, 'README data dictionary is stale: run `npx tsx scripts/data-dictionary.ts --write`').to.equal(rendered);
  });
});
