import { expect } from 'chai';
import type { CheckResult } from '../../../etl/checks';
import { niceStep } from '../../../etl/local/charts';
import { escapeHtml, renderChart, renderReport, ReportInput, ReportQuery, SAMPLE_LINE_CHARS } from '../../../etl/local/report';

const HOSTILE = `<script>alert("x")</script> & <img src=x onerror=1>`;

function queries(): ReportQuery[] {
  return [
    {
      id: 1,
      name: 'conversion_funnel',
      question: 'What is the view -> cart -> purchase conversion per product?',
      columns: ['product_id', 'category', 'views', 'add_to_carts', 'purchases', 'view_to_cart_rate', 'cart_to_purchase_rate', 'view_to_purchase_rate'],
      columnTypes: ['VARCHAR', 'VARCHAR', 'BIGINT', 'BIGINT', 'BIGINT', 'DECIMAL(10,4)', 'DECIMAL(10,4)', 'DECIMAL(10,4)'],
      rows: [
        {
          product_id: 'p_1001',
          category: 'electronics',
          views: 120,
          add_to_carts: 40,
          purchases: 10,
          view_to_cart_rate: 0.3333,
          cart_to_purchase_rate: 0.25,
          view_to_purchase_rate: 0.0833,
        },
        {
          product_id: 'p_1003',
          category: 'electronics',
          views: 10,
          add_to_carts: 4,
          purchases: 5,
          view_to_cart_rate: 0.4,
          cart_to_purchase_rate: 1.25,
          view_to_purchase_rate: 0.5,
        },
        {
          product_id: 'p_1002',
          category: HOSTILE,
          views: 0,
          add_to_carts: 0,
          purchases: 0,
          view_to_cart_rate: null,
          cart_to_purchase_rate: null,
          view_to_purchase_rate: null,
        },
      ],
    },
    {
      id: 2,
      name: 'hourly_revenue',
      question: 'Revenue per hour?',
      columns: ['event_date', 'event_hour', 'revenue', 'purchases', 'units'],
      columnTypes: ['DATE', 'INTEGER', 'DECIMAL(18,2)', 'BIGINT', 'BIGINT'],
      rows: [
        { event_date: '2025-11-19', event_hour: 17, revenue: 1234.5, purchases: 12, units: 30 },
        { event_date: '2025-11-19', event_hour: 18, revenue: 99.99, purchases: 1, units: 1 },
        { event_date: '2025-11-20', event_hour: 0, revenue: 600, purchases: 6, units: 6 },
      ],
    },
    {
      id: 3,
      name: 'top_viewed_products',
      question: 'Top 10 viewed products?',
      columns: ['product_id', 'category', 'views'],
      rows: [
        { product_id: 'p_2003', category: 'clothing', views: 7700 },
        { product_id: 'p_2004', category: 'clothing', views: 1200 },
      ],
    },
    {
      id: 4,
      name: 'category_performance',
      question: 'Events by category and day?',
      columns: ['event_date', 'category', 'events', 'page_views', 'add_to_carts', 'remove_from_carts', 'purchases', 'searches'],
      rows: [
        { event_date: '2025-11-19', category: '(none)', events: 10, page_views: 0, add_to_carts: 0, remove_from_carts: 0, purchases: 0, searches: 10 },
        { event_date: '2025-11-19', category: 'books', events: 20, page_views: 10, add_to_carts: 4, remove_from_carts: 2, purchases: 4, searches: 0 },
        { event_date: '2025-11-20', category: 'books', events: 5, page_views: 5, add_to_carts: 0, remove_from_carts: 0, purchases: 0, searches: 0 },
      ],
    },
    {
      id: 5,
      name: 'user_activity',
      question: 'Unique users and sessions per day?',
      columns: ['event_date', 'unique_users', 'unique_sessions', 'events'],
      rows: [{ event_date: '2025-11-19', unique_users: 40, unique_sessions: 45, events: 100_000 }],
    },
  ];
}

function checks(): CheckResult[] {
  return [
    { id: 'reconciliation', kind: 'data', status: 'pass', failures: 0, rowsChecked: 12, observed: 'lines=100 silver=90' },
    { id: 'no_duplicate_event', kind: 'data', status: 'fail', failures: 3, rowsChecked: 90, observed: HOSTILE, message: 'check failed: a < b & c > d' },
    { id: 'gold_totals_match_silver', kind: 'data', status: 'no-data', failures: 0, rowsChecked: 0, observed: null },
    {
      id: 'conversion_rates_within_bounds',
      kind: 'observation',
      status: 'observed',
      failures: 2,
      rowsChecked: 30,
      observed: 'products with a rate above 1: 2',
    },
  ];
}

const LONG_LINE = `{"user_id": "${'u'.repeat(SAMPLE_LINE_CHARS * 2)}"}`;

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    title: 'Lakehouse demo',
    generatedAt: new Date('2025-11-19T18:00:00Z'),
    headline: [['events in silver', '1,234,567']],
    settings: [['Work folder', `/tmp/${HOSTILE}`]],
    batches: [
      {
        index: 1,
        file: 'events/year=2025/month=11/day=19/hour=17/minute=00/events-20251119-170000.jsonl.gz',
        linesRead: 100,
        silverRowsAdded: 90,
        duplicatesDropped: 5,
        recordsQuarantined: 5,
        seconds: 0.5,
      },
    ],
    rowCounts: { 'silver.events': 1_234_567, 'bronze.events': 98 },
    reconciliation: [{ figure: 'duplicates', injected: 5, engine: 5 }],
    quarantinedByReason: { malformed_json: 2, missing_field: 3, bad_type: 1234 },
    quarantineSamples: [
      { reason: 'malformed_json', detail: 'line is not a JSON object', rawLine: `{"a": \u001b[2J${HOSTILE}`, sourceFile: 'events/x.jsonl.gz' },
      { reason: 'malformed_json', detail: null, rawLine: LONG_LINE, sourceFile: 'events/y.jsonl.gz' },
      { reason: 'missing_field', detail: 'user_id', rawLine: '{"session_id": "s_1"}', sourceFile: 'events/x.jsonl.gz' },
    ],
    stepSeconds: { parsed: 0.1, silver: 0.3 },
    queries: queries(),
    checks: checks(),
    ...overrides,
  };
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
const svgOf = (q: ReportQuery) => renderChart(q).svg;

describe('HTML report renderer', () => {
  it('answers first: the five questions, then reconciliation and quarantine, then checks, then run details', () => {
    const html = renderReport(input());
    const at = (text: string) => {
      const i = html.indexOf(text);
      expect(i, text).to.be.greaterThan(-1);
      return i;
    };
    const order = [
      at('<h2>The five questions</h2>'),
      at('id="q1"'),
      at('id="q5"'),
      at('<h2>Is every line accounted for?</h2>'),
      at('Quarantine: what was rejected'),
      at('<h2>Checks</h2>'),
      at('<h2>Run details</h2>'),
    ];
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    // The first chart comes before any table of the run.
    expect(at('<svg')).to.be.lessThan(at('<table>'));
  });

  it('draws exactly one <svg> chart per query, each titled with its query', () => {
    const html = renderReport(input());
    expect(count(html, /<svg\b/g)).to.equal(5);
    expect(count(html, /<\/svg>/g)).to.equal(5);
    for (const q of queries()) expect(html).to.contain(`<title>Query ${q.id}: ${q.name}</title>`);
  });

  it('funnel: one dot per defined rate on a percentage scale; a product without views has no dots', () => {
    const svg = svgOf(queries()[0]);
    expect(count(svg, /<circle\b/g)).to.equal(2 * 3);
    expect(svg).to.contain('>100%<').and.to.contain('>0%<');
    // The 125% rate stretches the scale past 100%, not off the chart.
    const ticks = [...svg.matchAll(/<text x="([\d.]+)" y="\d+" text-anchor="middle" class="tick">(\d+)%<\/text>/g)].map((m) => ({
      x: Number(m[1]),
      pct: Number(m[2]),
    }));
    expect(Math.max(...ticks.map((t) => t.pct))).to.be.at.least(125);
    // A dot sits where its rate falls on that scale.
    const zero = ticks.find((t) => t.pct === 0)!.x;
    const hundred = ticks.find((t) => t.pct === 100)!.x;
    const half = svg.match(/<circle cx="([\d.]+)"[^>]*><title>p_1003 · electronics: view → purchase 50\.00%<\/title>/);
    expect(half, 'dot of the 50% rate').to.not.equal(null);
    expect(Number(half![1])).to.be.closeTo((zero + hundred) / 2, 0.2);
    // Best converting product first.
    expect(svg.indexOf('>p_1003 · electronics<')).to.be.lessThan(svg.indexOf('>p_1001 · electronics<'));
  });

  it('revenue by hour: one column per hour, heights in proportion, dates under their first hour', () => {
    const svg = svgOf(queries()[1]);
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="[^"]+"><title>/g)].map((m) => Number(m[1]));
    expect(heights).to.have.length(3);
    expect(heights[0] / heights[2]).to.be.closeTo(1234.5 / 600, 0.02);
    expect(svg).to.contain('>17:00<').and.to.contain('>00:00<');
    expect(count(svg, />2025-11-19</g)).to.equal(1);
    expect(count(svg, />2025-11-20</g)).to.equal(1);
    expect(svg).to.contain('2025-11-19 17:00: 1,234.50');
  });

  it('top products: one bar per product with its count, thousands separated', () => {
    const svg = svgOf(queries()[2]);
    expect(count(svg, /<rect\b/g)).to.equal(2);
    expect(svg).to.contain('>7,700<').and.to.contain('>1,200<');
  });

  it('categories by day: event types stacked, one heading per day', () => {
    const svg = svgOf(queries()[3]);
    // 3 rows x 5 event types + 5 legend swatches
    expect(count(svg, /<rect\b/g)).to.equal(3 * 5 + 5);
    expect(count(svg, /class="heading">2025-11-\d\d</g)).to.equal(2);
    expect(svg).to.not.contain('>events<');
  });

  it('users, sessions and events each on their own scale', () => {
    const svg = svgOf(queries()[4]);
    expect(svg).to.contain('>unique users<').and.to.contain('>unique sessions<').and.to.contain('>events<');
    const heights = [...svg.matchAll(/height="([\d.]+)" fill="[^"]+"><title>/g)].map((m) => Number(m[1]));
    expect(heights).to.have.length(3);
    // 40 users beside 100,000 events would be invisible on a shared axis.
    expect(Math.min(...heights) / Math.max(...heights)).to.be.greaterThan(0.5);
  });

  it('still draws a (message) chart for a query without rows', () => {
    const svg = svgOf({ ...queries()[4], rows: [] });
    expect(svg).to.match(/^<svg\b/);
    expect(svg).to.contain('No rows');
  });

  it('formats numbers as the CLI does: counts, rates, money', () => {
    const html = renderReport(input());
    expect(html).to.contain('<td class="num">33.33%</td>');
    expect(html).to.contain('<td class="num">1,234.50</td>');
    expect(html).to.contain('<td class="num">1,234,567</td>');
    expect(html).to.contain('<td class="num">1,234</td>');
  });

  it('shows sample rejected lines per reason, escaped and shortened', () => {
    const html = renderReport(input());
    expect(html).to.contain('\\x1b[2J');
    expect(html).to.not.contain('\u001b');
    expect(html).to.contain(`{&quot;user_id&quot;: &quot;${'u'.repeat(SAMPLE_LINE_CHARS - 14)}`);
    expect(html).to.not.contain('u'.repeat(SAMPLE_LINE_CHARS));
    expect(html).to.contain('{&quot;session_id&quot;: &quot;s_1&quot;}');
    expect(html).to.match(/<td>bad_type<\/td><td class="num">1,234<\/td><td class="samples"><span class="muted">no sample<\/span>/);
  });

  it('references no external resource: no URL, no script, no stylesheet link, no font', () => {
    const html = renderReport(input());
    expect(html).to.not.match(/https?:\/\//i);
    expect(html).to.not.match(/<script\b/i);
    expect(html).to.not.match(/<link\b/i);
    // Attributes inside real tags only: the hostile value's escaped text contains `src=` as text.
    expect(html).to.not.match(/<[a-z][^>]*\b(src|href|xlink:href)\s*=/i);
    expect(html).to.not.match(/@import|@font-face|url\(/i);
  });

  it('escapes <, > and & in every data value (query rows, settings, check output, samples)', () => {
    const html = renderReport(input());
    expect(html).to.not.contain('<script>alert');
    expect(html).to.not.contain('<img');
    expect(html).to.contain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=1&gt;');
    expect(html).to.contain('a &lt; b &amp; c &gt; d');
    expect(escapeHtml(`a<b>&"'`)).to.equal('a&lt;b&gt;&amp;&quot;&#39;');
  });

  it('includes every check with its status and an overall verdict', () => {
    const html = renderReport(input());
    expect(html).to.match(/<td>reconciliation<\/td><td>data<\/td><td class="pass">pass<\/td>/);
    expect(html).to.match(/<td>no_duplicate_event<\/td><td>data<\/td><td class="fail">fail<\/td>/);
    expect(html).to.match(/<td>gold_totals_match_silver<\/td><td>data<\/td><td class="no-data">no-data<\/td>/);
    expect(html).to.contain('Something FAILED: 1 check(s) failed');

    const allPass = renderReport(input({ checks: checks().filter((c) => c.status !== 'fail') }));
    expect(allPass).to.contain('all checks passed (1 pass, 1 without data, 1 observation reported)');
  });

  it('lists observations apart from the invariants, and an observation never fails the verdict', () => {
    const html = renderReport(input({ checks: checks().filter((c) => c.status !== 'fail') }));
    const observations = html.indexOf('<h3>Data observations</h3>');
    const invariants = html.indexOf('<h3>Pipeline invariants</h3>');
    expect(observations).to.be.greaterThan(-1);
    expect(invariants).to.be.greaterThan(observations);
    const row = html.indexOf('<td>conversion_rates_within_bounds</td>');
    expect(row).to.be.greaterThan(observations).and.lessThan(invariants);
    expect(html).to.contain('<td class="observed">observed</td>');
    expect(html).to.contain('class="verdict pass"');
  });

  it('flags a generator/engine mismatch in the reconciliation table and the verdict', () => {
    const html = renderReport(input({ checks: [checks()[0]], reconciliation: [{ figure: 'duplicates', injected: 5, engine: 4 }] }));
    expect(html).to.contain('<td>duplicates</td><td class="num">5</td><td class="num">4</td><td>NO</td>');
    expect(html).to.contain('differ from what the generator injected');
  });

  it('axis steps are round numbers', () => {
    expect([niceStep(1056, 5), niceStep(1, 4), niceStep(58_500), niceStep(0)]).to.deep.equal([250, 0.25, 20_000, 1]);
  });
});
