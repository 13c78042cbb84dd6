import { expect } from 'chai';
import type { CheckResult } from '../etl/checks';
import { chooseChart, escapeHtml, renderChart, renderReport, ReportInput, ReportQuery, toChartNumber } from '../etl/local/report';

const HOSTILE = `<script>alert("x")</script> & <img src=x onerror=1>`;

function queries(): ReportQuery[] {
  return [
    {
      id: 1,
      name: 'conversion_funnel',
      question: 'What is the view -> cart -> purchase conversion per product?',
      columns: ['product_id', 'category', 'views', 'add_to_carts', 'purchases', 'view_to_cart_rate', 'cart_to_purchase_rate', 'view_to_purchase_rate'],
      rows: [
        { product_id: 'p_1001', category: 'electronics', views: 120n, add_to_carts: 40n, purchases: 10n, view_to_cart_rate: 0.3333, cart_to_purchase_rate: 0.25, view_to_purchase_rate: 0.0833 },
        { product_id: 'p_1002', category: HOSTILE, views: 0n, add_to_carts: 0n, purchases: 0n, view_to_cart_rate: null, cart_to_purchase_rate: null, view_to_purchase_rate: null },
      ],
    },
    {
      id: 2,
      name: 'hourly_revenue',
      question: 'Revenue per hour?',
      columns: ['event_date', 'event_hour', 'revenue', 'purchases', 'units'],
      rows: [
        { event_date: '2025-11-19', event_hour: 17, revenue: '1234.50', purchases: 12, units: 30 },
        { event_date: '2025-11-19', event_hour: 18, revenue: '99.99', purchases: 1, units: 1 },
      ],
    },
    {
      id: 3,
      name: 'top_viewed_products',
      question: 'Top 10 viewed products?',
      columns: ['product_id', 'category', 'views'],
      rows: [{ product_id: 'p_2003', category: 'clothing', views: 77 }],
    },
    {
      id: 4,
      name: 'category_performance',
      question: 'Events by category and day?',
      columns: ['event_date', 'category', 'events', 'page_views', 'add_to_carts', 'remove_from_carts', 'purchases', 'searches'],
      rows: [
        { event_date: '2025-11-19', category: '(none)', events: 10, page_views: 0, add_to_carts: 0, remove_from_carts: 0, purchases: 0, searches: 10 },
        { event_date: '2025-11-19', category: 'books', events: 20, page_views: 10, add_to_carts: 4, remove_from_carts: 2, purchases: 4, searches: 0 },
      ],
    },
    {
      id: 5,
      name: 'user_activity',
      question: 'Unique users and sessions per day?',
      columns: ['event_date', 'unique_users', 'unique_sessions', 'events'],
      rows: [],
    },
  ];
}

function checks(): CheckResult[] {
  return [
    { id: 'reconciliation', kind: 'data', status: 'pass', failures: 0, rowsChecked: 12, observed: 'lines=100 silver=90' },
    { id: 'no_duplicate_event_key', kind: 'data', status: 'fail', failures: 3, rowsChecked: 90, observed: HOSTILE, message: 'check failed: a < b & c > d' },
    { id: 'gold_totals_match_silver', kind: 'data', status: 'no-data', failures: 0, rowsChecked: 0, observed: null },
  ];
}

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    title: 'Lakehouse demo',
    generatedAt: new Date('2025-11-19T18:00:00Z'),
    settings: [['Work folder', `/tmp/${HOSTILE}`]],
    batches: [{ index: 1, file: 'events/year=2025/month=11/day=19/hour=17/minute=00/events-20251119-170000.jsonl.gz', linesRead: 100, silverRowsAdded: 90, duplicatesDropped: 5, recordsQuarantined: 5, seconds: 0.5 }],
    rowCounts: { 'silver.events': 90, 'bronze.events': 98 },
    reconciliation: [{ figure: 'duplicates', injected: 5, engine: 5 }],
    quarantinedByReason: { malformed_json: 2, missing_field: 3 },
    stepSeconds: { parsed: 0.1, silver: 0.3 },
    queries: queries(),
    checks: checks(),
    ...overrides,
  };
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe('HTML report renderer', () => {
  it('draws exactly one <svg> chart per query, each titled with its query', () => {
    const html = renderReport(input());
    expect(count(html, /<svg\b/g)).to.equal(5);
    expect(count(html, /<\/svg>/g)).to.equal(5);
    for (const q of queries()) expect(html).to.contain(`<title>Query ${q.id}: ${q.name}</title>`);
  });

  it('draws one bar per row and series, stacked for event types and grouped for the funnel', () => {
    const funnel = chooseChart(queries()[0]);
    expect(funnel.series).to.deep.equal(['views', 'add_to_carts', 'purchases']);
    expect(funnel.labelColumns).to.deep.equal(['product_id', 'category']);
    expect(funnel.stacked).to.equal(false);
    // 2 rows x 3 series bars + 3 legend swatches
    expect(count(renderChart(queries()[0]), /<rect\b/g)).to.equal(2 * 3 + 3);

    const categories = chooseChart(queries()[3]);
    expect(categories.stacked).to.equal(true);
    expect(categories.series).to.not.include('events');
    expect(chooseChart(queries()[1]).series).to.deep.equal(['revenue']);
    expect(chooseChart(queries()[1]).labelColumns).to.deep.equal(['event_date', 'event_hour']);
  });

  it('scales bars to the data: the largest revenue bar is the widest', () => {
    const svg = renderChart(queries()[1]);
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="\d+" fill="[^"]+"><title>/g)].map((m) => Number(m[1]));
    expect(widths).to.have.length(2);
    expect(widths[0]).to.be.greaterThan(widths[1] * 10);
  });

  it('still draws a (message) chart for a query without rows', () => {
    const svg = renderChart(queries()[4]);
    expect(svg).to.match(/^<svg\b/);
    expect(svg).to.contain('No rows');
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

  it('escapes <, > and & in every data value (query rows, settings, check output)', () => {
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
    expect(html).to.match(/<td>no_duplicate_event_key<\/td><td>data<\/td><td class="fail">fail<\/td>/);
    expect(html).to.match(/<td>gold_totals_match_silver<\/td><td>data<\/td><td class="no-data">no-data<\/td>/);
    expect(html).to.contain('Some checks FAILED: 1 pass, 1 fail, 1 no data.');

    const allPass = renderReport(input({ checks: checks().filter((c) => c.status !== 'fail') }));
    expect(allPass).to.contain('All checks passed: 1 pass, 0 fail, 1 no data.');
  });

  it('flags a generator/engine mismatch in the reconciliation table and the verdict', () => {
    const html = renderReport(input({ checks: [checks()[0]], reconciliation: [{ figure: 'duplicates', injected: 5, engine: 4 }] }));
    expect(html).to.contain('<td>duplicates</td><td class="num">5</td><td class="num">4</td><td>NO</td>');
    expect(html).to.contain('Some checks FAILED');
  });

  it('reads numbers from bigint, numeric strings and DuckDB-style value objects', () => {
    expect(toChartNumber(12n)).to.equal(12);
    expect(toChartNumber('1234.50')).to.equal(1234.5);
    expect(toChartNumber({ toDouble: () => 3.25 })).to.equal(3.25);
    expect(toChartNumber('p_1001')).to.equal(null);
    expect(toChartNumber(null)).to.equal(null);
  });
});
