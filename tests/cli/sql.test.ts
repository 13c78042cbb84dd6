/**
 * `lakehouse sql`: the lake's tables under their Athena names, the same output formats as
 * `lakehouse query`, read-only, and hostile values from the data printed safely.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { shell } from '../../cli/sql';
import { LAKE_TABLES } from '../../etl/schema';
import { openSqlSession, quarantineSamples, runSql, sqlTableNames } from '../../etl/local/queries';
import { eventLine, keyAt, tempDir, writeSource } from '../helpers/source-files';

const BIN = path.join(__dirname, '..', '..', 'bin', 'lakehouse.js');
const lakehouse = (args: string[], input?: string) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input });

const ESC = '\u001b';
const FORMULA_LINE = `=HYPERLINK("http://example.invalid","click")${ESC}[2J`;
const HOSTILE_SEARCH = `=1+2${ESC}[31m\u202e`;

describe('lakehouse sql', function () {
  this.timeout(120_000);
  let lake: string;
  before(() => {
    const source = tempDir('sql-src');
    lake = path.join(tempDir('sql-lake'), 'lake');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [
      eventLine({ user_id: 'u_1', event_type: 'page_view', quantity: null, price: null }),
      eventLine({ user_id: 'u_2', event_type: 'page_view', quantity: null, price: null }),
      eventLine({ user_id: 'u_1', event_type: 'purchase', quantity: 1000, price: 1234.5 }),
      eventLine({ user_id: 'u_3', event_type: 'search', product_id: null, category: null, quantity: null, price: null, search_query: HOSTILE_SEARCH }),
      FORMULA_LINE,
    ]);
    const run = lakehouse(['run', '--source', source, '--lake', lake]);
    expect(run.status, run.stderr).to.equal(0);
  });

  it('knows every lake table under its Athena name, and quarantine also as quarantine.events', async () => {
    for (const table of LAKE_TABLES) {
      for (const name of sqlTableNames(table)) {
        const result = await runSql(lake, `SELECT count(*) AS n FROM ${name}`);
        expect(result.rows[0].n, name).to.be.a('number');
      }
    }
    expect(sqlTableNames(LAKE_TABLES.find((t) => t.id === 'quarantine.events')!)).to.deep.equal(['silver.quarantine_events', 'quarantine.events']);
    const silver = await runSql(lake, 'SELECT count(*) AS n FROM silver.events');
    expect(silver.rows).to.deep.equal([{ n: 4 }]);
    const gold = await runSql(lake, 'SELECT sum(views) AS views FROM product_funnel');
    expect(gold.rows).to.deep.equal([{ views: 2 }]);
  });

  it('prints a table with formatted numbers, CSV with plain ones, JSON with values', () => {
    const sql = 'SELECT event_type, count(*) AS events, sum(revenue) AS revenue FROM silver.events GROUP BY 1 ORDER BY 1';
    const table = lakehouse(['sql', '--lake', lake, sql]);
    expect(table.status, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/^purchase\s+1\s+1,234,500\.00$/m);
    expect(table.stdout).to.match(/\(3 rows\)\n$/);
    const csv = lakehouse(['sql', '--lake', lake, '--format', 'csv', sql]);
    expect(csv.stdout).to.equal('event_type,events,revenue\npage_view,2,\npurchase,1,1234500.00\nsearch,1,\n');
    const json = lakehouse(['sql', sql, '--lake', lake, '--format', 'json']);
    expect(JSON.parse(json.stdout)).to.deep.equal([
      { event_type: 'page_view', events: 2, revenue: null },
      { event_type: 'purchase', events: 1, revenue: 1234500 },
      { event_type: 'search', events: 1, revenue: null },
    ]);
  });

  it('a table shows at most --max-rows rows and says how many there are; CSV prints them all', () => {
    const sql = 'SELECT i FROM range(250) t(i)';
    const table = lakehouse(['sql', '--lake', lake, sql]);
    expect(table.stdout.trim().split('\n')).to.have.length(2 + 100 + 1);
    expect(table.stdout).to.match(/\(250 rows, first 100 shown\)\n$/);
    const five = lakehouse(['sql', '--lake', lake, '--max-rows', '5', sql]);
    expect(five.stdout.trim().split('\n')).to.have.length(2 + 5 + 1);
    const csv = lakehouse(['sql', '--lake', lake, '--max-rows', '5', '--format', 'csv', sql]);
    expect(csv.stdout.trim().split('\n')).to.have.length(1 + 250);
  });

  it('reads the statement from standard input when none is given', () => {
    const r = lakehouse(['sql', '--lake', lake, '--format', 'csv'], 'SELECT count(*) AS n FROM quarantine.events\n');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('n\n1\n');
  });

  it('data values reach the terminal and CSV escaped and formula-safe', () => {
    const csv = lakehouse([
      'sql',
      '--lake',
      lake,
      '--format',
      'csv',
      'SELECT raw_line FROM quarantine.events UNION ALL SELECT search_query FROM silver.events WHERE search_query IS NOT NULL ORDER BY 1',
    ]);
    expect(csv.status, csv.stderr).to.equal(0);
    expect(csv.stdout).to.not.include(ESC);
    expect(csv.stdout).to.not.include('\u202e');
    expect(csv.stdout.split('\n')).to.deep.equal(['raw_line', `'=1+2\\x1b[31m\\u202e`, `"'=HYPERLINK(""http://example.invalid"",""click"")\\x1b[2J"`, '']);
    const table = lakehouse(['sql', '--lake', lake, 'SELECT raw_line FROM quarantine.events']);
    expect(table.stdout).to.not.include(ESC);
    expect(table.stdout).to.include('=HYPERLINK("http://example.invalid","click")\\x1b[2J');
    // JSON is exact: the raw line as read.
    const json = lakehouse(['sql', '--lake', lake, '--format', 'json', 'SELECT raw_line FROM quarantine.events']);
    expect(JSON.parse(json.stdout)).to.deep.equal([{ raw_line: FORMULA_LINE }]);
  });

  it('refuses anything that is not one read-only statement: one line, exit 2, nothing written', () => {
    const target = path.join(path.dirname(lake), 'copied.csv');
    const before = fs.readdirSync(lake, { recursive: true }).sort();
    for (const [sql, expected] of [
      [`COPY (SELECT * FROM silver.events) TO '${target}'`, /expected a read-only statement .* got COPY/],
      ['CREATE TABLE t AS SELECT 1', /got CREATE/],
      ["ATTACH ':memory:' AS x", /got ATTACH/],
      ['SELECT 1; SELECT 2', /expected exactly one statement, got 2/],
      ['SELECT * FROM silver.evnts', /Table with name evnts does not exist/],
      ['SELEC 1', /syntax error/i],
    ] as const) {
      const r = lakehouse(['sql', '--lake', lake, sql]);
      expect(r.status, sql).to.equal(2);
      expect(r.stderr.trim().split('\n'), sql).to.have.length(1);
      expect(r.stderr, sql).to.match(/^lakehouse sql: QUERY: /);
      expect(r.stderr, sql).to.match(expected);
      expect(r.stdout, sql).to.equal('');
    }
    expect(fs.existsSync(target)).to.equal(false);
    expect(fs.readdirSync(lake, { recursive: true }).sort()).to.deep.equal(before);
  });

  it('bad input: a missing lake, an empty query, an unknown format', () => {
    for (const [args, named] of [
      [['sql', '--lake', path.join(lake, 'nope'), 'SELECT 1'], '--lake'],
      [['sql', '--lake', lake, ''], 'QUERY'],
      [['sql', '--lake', lake, '--format', 'xml', 'SELECT 1'], '--format'],
      [['sql', 'SELECT 1'], '--lake'],
    ] as const) {
      const r = lakehouse([...args]);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.include(named);
    }
  });

  it('--help names the tables from the schema', () => {
    const r = lakehouse(['sql', '--help']);
    expect(r.status).to.equal(0);
    for (const table of LAKE_TABLES) for (const name of sqlTableNames(table)) expect(r.stdout).to.include(name);
    expect(r.stdout).to.include('--format table|csv|json');
  });
});

describe('lakehouse sql shell', function () {
  this.timeout(120_000);

  it('runs statements ended by ;, across lines, reports errors and goes on, and leaves on .exit', async () => {
    const source = tempDir('shell-src');
    const lake = path.join(tempDir('shell-lake'), 'lake');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ event_type: 'page_view', quantity: null, price: null }), eventLine()]);
    expect(lakehouse(['run', '--source', source, '--lake', lake]).status).to.equal(0);

    const input = new PassThrough();
    const output = new PassThrough();
    const errors = new PassThrough();
    let out = '';
    let err = '';
    output.on('data', (d) => (out += d));
    errors.on('data', (d) => (err += d));
    const done = shell(await openSqlSession(lake), 'csv', { input, output, errors });
    input.end(
      [
        'SELECT count(*) AS n',
        'FROM silver.events;',
        'SELECT * FROM nowhere;',
        "COPY silver.events TO '/tmp/x.csv';",
        'SELECT 2 AS two;',
        '.exit',
        'SELECT 3 AS never;',
        '',
      ].join('\n'),
    );
    expect(await done).to.equal(0);
    expect(out).to.include('n\n2\n');
    expect(out).to.include('two\n2\n');
    expect(out).to.not.include('never');
    expect(err.trim().split('\n')).to.have.length(2);
    expect(err).to.match(/^error: .*nowhere/m);
    expect(err).to.match(/^error: expected a read-only statement .*got COPY/m);
  });
});

describe('quarantine samples for the report', function () {
  this.timeout(120_000);

  it('picks lines with different failing fields first, exactly as read', async () => {
    const source = tempDir('samples-src');
    const lake = path.join(tempDir('samples-lake'), 'lake');
    const noUser = eventLine({ user_id: undefined });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [
      noUser,
      eventLine({ user_id: undefined, session_id: 's_2' }),
      eventLine({ session_id: undefined }),
      eventLine(),
      'not json',
    ]);
    expect(lakehouse(['run', '--source', source, '--lake', lake]).status).to.equal(0);
    const samples = await quarantineSamples(lake, 2);
    const missing = samples.filter((x) => x.reason === 'missing_field');
    expect(missing.map((x) => x.detail).sort()).to.deep.equal(['session_id', 'user_id']);
    expect(samples.filter((x) => x.reason === 'malformed_json').map((x) => x.rawLine)).to.deep.equal(['not json']);
    expect(missing.every((x) => x.sourceFile === keyAt('2025-11-19T17:55:00Z'))).to.equal(true);
  });
});
