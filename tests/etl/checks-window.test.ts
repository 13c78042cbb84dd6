/**
 * The check files, the check window and observations, without a lake: how a window renders into
 * partition predicates, that every data check reads only the window's partitions, how the header
 * of a check file is read, and that the Athena validation provider renders the window from its
 * clock and never fails a run on an observation.
 */
import { expect } from 'chai';
import { AthenaSender, checkInputs, defaultRunDeps, runValidation } from '../../components/athena-validation-provider';
import { renderChecksForAthena } from '../../components/athena-validation';
import {
  CHECKS,
  evaluateCheckRow,
  parseCheckFile,
  queryChecks,
  renderCheckSql,
  renderCheckWindow,
  windowEndingAt,
  windowEndingOn,
  windowPredicates,
} from '../../etl/checks';
import { LAKE_TABLES } from '../../etl/schema';
import { loadQueries } from '../../queries';

const DATABASES = { bronze: 'bronze_s1', silver: 'silver_s1', gold: 'gold_s1' };

describe('check window', () => {
  it('renders a window across a year boundary as exact, prunable partition predicates', () => {
    const p = windowPredicates(windowEndingOn('2026-01-01', 2));
    expect(p.event_dates).to.equal("event_date BETWEEN DATE '2025-12-31' AND DATE '2026-01-01'");
    expect(p.event_dates_margin).to.equal("event_date BETWEEN DATE '2025-12-30' AND DATE '2026-01-02'");
    expect(p.source_days).to.equal(
      "year IN ('2025', '2026') AND month IN ('01', '12') AND day IN ('01', '31') AND (year || month || day) BETWEEN '20251231' AND '20260101'",
    );
    expect(p.source_file_days).to.match(/BETWEEN '20251231' AND '20260101'$/);
    expect([p.first_date, p.last_date]).to.deep.equal(["'2025-12-31'", "'2026-01-01'"]);
  });

  it('ends a deployed window on the UTC day of the clock', () => {
    expect(windowEndingAt(Date.parse('2025-03-01T23:59:59Z'), 3)).to.deep.equal({ firstDay: '2025-02-27', lastDay: '2025-03-01' });
    expect(windowEndingAt(Date.parse('2024-03-01T00:00:00Z'), 1)).to.deep.equal({ firstDay: '2024-03-01', lastDay: '2024-03-01' });
  });

  it('refuses a bad window or placeholder with one line naming it', () => {
    expect(() => windowEndingOn('2025-02-30', 1)).to.throw(/last day '2025-02-30' is not a yyyy-MM-dd date/);
    expect(() => windowEndingOn('2025-02-01', 0)).to.throw(/at least 1, got 0/);
    expect(() => windowPredicates({ firstDay: '2025-02-02', lastDay: '2025-02-01' })).to.throw(/first day 2025-02-02 is after last day 2025-02-01/);
    expect(() => renderCheckWindow('SELECT 1 WHERE {{window.hours}}', windowEndingOn('2025-02-01', 1))).to.throw(
      /unknown window placeholder \{\{window\.hours\}\}/,
    );
  });

  it('every lake-table reference of a shared check carries its window predicate', () => {
    const window = windowEndingOn('2025-11-19', 3);
    const rendered = renderChecksForAthena(CHECKS, DATABASES);
    const predicates = windowPredicates(window);
    for (const check of rendered) {
      const sql = renderCheckWindow(check.sql, window).replace(/\s+/g, ' ');
      const refs = [...sql.matchAll(/\bFROM ((?:bronze|silver|gold)_s1\.[a-z_]+)/g)];
      expect(refs.length, check.id).to.be.greaterThan(0);
      for (const ref of refs) {
        const table = ref[1];
        const after = sql.slice((ref.index ?? 0) + ref[0].length);
        const byEvent = table.startsWith('gold_') || table === 'silver_s1.events';
        const expected = byEvent ? [predicates.event_dates, predicates.event_dates_margin] : [predicates.source_days];
        expect(after.slice(0, 80), `${check.id}: ${table}`).to.satisfy(() => expected.some((e) => after.startsWith(` WHERE ${e}`)));
      }
    }
    // Structural reads are bounded too: at most one row per table.
    const readable = rendered.filter((c) => c.id.startsWith('table_readable_'));
    expect(readable).to.have.length(LAKE_TABLES.length);
    for (const c of readable) expect(c.sql, c.id).to.match(/ LIMIT 1\) t$/);
  });

  it('the query checks embed each deliverable query unchanged apart from qualified gold names', () => {
    const [first] = queryChecks(loadQueries());
    expect(renderCheckSql(first.sql, (t) => `${t.database}_s1.${t.name}`)).to.contain('gold_s1.product_funnel');
    expect(first.description).to.match(/^deliverable query 1 \(conversion_funnel\) runs$/);
  });
});

describe('check files', () => {
  it('reads the kind, the multi-line description and the statement of a check file', () => {
    const check = parseCheckFile(
      'example',
      '-- kind: observation\n-- proves: reports a figure\n--   over two lines\n--\n-- why it is written so\nSELECT 1 AS failures;\n',
    );
    expect(check).to.deep.equal({ id: 'example', kind: 'observation', description: 'reports a figure over two lines', sql: 'SELECT 1 AS failures' });
  });

  it('refuses a file without a kind or a description, naming the file', () => {
    expect(() => parseCheckFile('x', '-- proves: y\nSELECT 1', 'etl/checks/x.sql')).to.throw(
      /etl\/checks\/x\.sql: expected a header line '-- kind: structural \| data \| observation', got none/,
    );
    expect(() => parseCheckFile('x', '-- kind: invariant\n-- proves: y\nSELECT 1')).to.throw(/got '-- kind: invariant'/);
    expect(() => parseCheckFile('x', '-- kind: data\nSELECT 1')).to.throw(/expected a header line '-- proves:/);
  });

  it('fills a template with the sections of a check file, and names a section that is missing', () => {
    const text = (sections: string) => `-- kind: data\n-- proves: totals match\n-- template: gold_matches_silver\n${sections}`;
    const check = parseCheckFile('t', text('-- @silver\nSELECT event_date, 1 AS n FROM a\n-- @gold\nSELECT event_date, 1 AS n FROM b\n'));
    expect(check).to.include({ id: 't', kind: 'data', description: 'totals match' });
    expect(check.sql).to.match(/^WITH s AS \(\nSELECT event_date, 1 AS n FROM a\n\),\ng AS \(\nSELECT event_date, 1 AS n FROM b\n\),/);
    expect(check.sql).to.not.match(/\{\{|-- @/);
    expect(() => parseCheckFile('t', text('-- @silver\nSELECT 1\n'))).to.throw(/check t: template parameter \{\{gold\}\} has no value/);
    expect(() => parseCheckFile('t', text('SELECT 1\n'))).to.throw(/expected '-- @<name>' sections for template gold_matches_silver/);
  });

  it('an observation reports its figure and never fails; an invariant fails on any failure', () => {
    const row = { failures: '3', rows_checked: '40', observed: 'rate=1.2' };
    expect(evaluateCheckRow({ id: 'o', kind: 'observation', description: 'd' }, row)).to.include({ status: 'observed', failures: 3 });
    expect(evaluateCheckRow({ id: 'o', kind: 'observation', description: 'd' }, { ...row, rows_checked: 0 })).to.include({ status: 'no-data' });
    expect(evaluateCheckRow({ id: 'i', kind: 'data', description: 'd' }, row)).to.include({ status: 'fail' });
  });
});

describe('Athena validation provider and the window', () => {
  /** A fake Athena: every query succeeds with the row the test gives for its check. */
  function fakeAthena(rowFor: (sql: string) => string[]) {
    const sent: string[] = [];
    const sqlOf = new Map<string, string>();
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name;
        if (name === 'StartQueryExecutionCommand') {
          const id = `q-${sent.length + 1}`;
          sent.push(String(command.input.QueryString));
          sqlOf.set(id, String(command.input.QueryString));
          return { QueryExecutionId: id };
        }
        if (name === 'GetQueryExecutionCommand') return { QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 10 } } };
        const values = rowFor(sqlOf.get(String(command.input.QueryExecutionId)) ?? '');
        const row = (cells: string[]) => ({ Data: cells.map((v) => ({ VarCharValue: v })) });
        return { ResultSet: { Rows: [row(['failures', 'rows_checked', 'observed']), row(values)] } };
      },
    };
    return { client, sent };
  }

  const clock = Date.parse('2025-11-19T10:00:00Z');
  const deps = (client: unknown) =>
    defaultRunDeps({ createClient: () => client as AthenaSender, sleep: async () => undefined, now: () => clock, random: () => 0.5 });

  it('renders the window ending on the day it runs into every query, and reports observations without failing', async () => {
    const checks = renderChecksForAthena(
      CHECKS.filter((c) => c.id === 'silver_unique_event' || c.id === 'conversion_rates_within_bounds'),
      DATABASES,
    ).map((c) => ({ ...c }));
    const { client, sent } = fakeAthena((sql) => (sql.includes('view_to_cart') ? ['2', '30', 'view_to_purchase=2.0000'] : ['0', '30', 'events=30']));
    const inputs = {
      region: 'r',
      workgroup: 'wg',
      databases: DATABASES,
      checks,
      failOnError: true,
      timeoutSeconds: 60,
      maxConcurrency: 1,
      runToken: 't'.repeat(64),
      windowDays: 2,
    };
    const { results, summary } = await runValidation(inputs, deps(client));
    expect(sent).to.have.length(2);
    for (const sql of sent) {
      expect(sql).to.contain("event_date BETWEEN DATE '2025-11-18' AND DATE '2025-11-19'");
      expect(sql).to.not.contain('{{');
    }
    expect(results.map((r) => [r.id, r.status])).to.deep.equal([
      ['silver_unique_event', 'pass'],
      ['conversion_rates_within_bounds', 'observed'],
    ]);
    expect(summary).to.include({ status: 'pass', passed: 1, observations: 1, failed: 0 });
    expect(summary.window).to.deep.equal({ firstDay: '2025-11-18', lastDay: '2025-11-19' });
  });

  it('check names a bad windowDays or an unknown window placeholder', () => {
    const check = { id: 'c', kind: 'data', description: 'd', sql: 'SELECT 1 FROM t WHERE {{window.hours}}', database: 'gold_s1' };
    const { failures } = checkInputs({ region: 'r', workgroup: 'wg', runToken: 't', databases: DATABASES, checks: [check], windowDays: 0 });
    expect(failures.map((f) => f.reason)).to.deep.equal([
      'windowDays: expected an integer from 1 to 366, got 0',
      'checks[0] (c): check SQL refers to unknown window placeholder {{window.hours}}: expected one of event_dates, event_dates_margin, source_days, source_file_days, first_date, last_date',
    ]);
    const ok = checkInputs({
      region: 'r',
      workgroup: 'wg',
      runToken: 't',
      databases: DATABASES,
      checks: [{ ...check, kind: 'observation', sql: 'SELECT 1 WHERE {{window.event_dates}}' }],
    });
    expect(ok.failures).to.deep.equal([]);
    expect(ok.inputs.windowDays).to.equal(1);
  });
});
