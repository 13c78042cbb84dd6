/**
 * The demo's HTML report: one self-contained page (inline CSS and inline SVG, no scripts, no
 * fonts, no URLs) so it opens offline from a file:// path or an email attachment.
 *
 * The page answers first: the five business questions, each with a chart that fits it; then
 * whether every line is accounted for (reconciliation, quarantine with sample lines, checks);
 * then the details of the run. `renderReport` is a pure function from the figures of a run to
 * an HTML string: it does no I/O, so tests can feed it hostile values and inspect the result.
 * Every piece of text that comes from data goes through `escapeHtml`.
 */
import { CheckResult, failsRun } from '../check-runtime';
import { barChart, Bar, columnChart, Column, compactNumber, dotPlot, escapeHtml, messageChart, smallMultiples } from './charts';
import { asNumber, columnKind, formatCount, formatMoney, formatRate, formatSeconds, formatValue } from './format';

export { escapeHtml };

/** One row of the demo's per-batch progress table. */
export interface ReportBatch {
  readonly index: number;
  /** Source key (or file name) of the file that arrived for this batch. */
  readonly file: string;
  readonly linesRead: number;
  readonly silverRowsAdded: number;
  readonly duplicatesDropped: number;
  readonly recordsQuarantined: number;
  readonly seconds: number;
}

/** A figure known twice: injected by the generator, and counted by the engine. */
export interface ReconciliationRow {
  readonly figure: string;
  readonly injected: number;
  readonly engine: number;
}

/** The shape `runDeliverableQueries` returns for one query. */
export interface ReportQuery {
  readonly id: number;
  readonly name: string;
  readonly question: string;
  readonly columns: readonly string[];
  /** DuckDB type per column, for number formats; names decide when absent. */
  readonly columnTypes?: readonly string[];
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

/** One quarantined line shown as an example of its reason. */
export interface QuarantineSample {
  readonly reason: string;
  readonly detail: string | null;
  readonly rawLine: string | null;
  readonly sourceFile: string;
}

export interface ReportInput {
  readonly title: string;
  readonly generatedAt: Date;
  /** A few figures shown large at the top, e.g. ['Events in silver', '236,400']. */
  readonly headline: ReadonlyArray<readonly [string, string]>;
  /** Label/value pairs describing the run (volume, seed, folders...). */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  readonly batches: readonly ReportBatch[];
  /** Rows per table id after the last batch. */
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly reconciliation: readonly ReconciliationRow[];
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  readonly quarantineSamples: readonly QuarantineSample[];
  /** Seconds per pipeline step, summed over all batches. */
  readonly stepSeconds: Readonly<Record<string, number>>;
  readonly queries: readonly ReportQuery[];
  readonly checks: readonly CheckResult[];
}

/** Characters of a sample quarantined line shown; the rest is cut with an ellipsis. */
export const SAMPLE_LINE_CHARS = 300;
/** Rows of a query result listed at most in its table. */
export const MAX_TABLE_ROWS = 100;

/** Overall verdict of the checks: a broken invariant or a check that could not run fails the run; observations never do. */
export function checksPassed(checks: readonly CheckResult[]): boolean {
  return !checks.some(failsRun);
}

// ---------------------------------------------------------------------------------------------
// One chart per question, chosen from the result's columns
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

const EVENT_TYPE_COUNTS = ['page_views', 'add_to_carts', 'remove_from_carts', 'purchases', 'searches'];
const num = (v: unknown) => asNumber(v) ?? 0;
/** `view_to_cart_rate` -> `view → cart`; `unique_users` -> `unique users`. */
export const humanise = (column: string) =>
  column
    .replace(/_rate$/, '')
    .replace(/_to_/g, ' → ')
    .replace(/_/g, ' ');
const hourLabel = (v: unknown) => `${String(num(v)).padStart(2, '0')}:00`;

interface ChartRule {
  /** Whether this chart fits the result's columns. */
  fits(columns: readonly string[]): boolean;
  /** The chart, and one sentence saying how to read it. */
  draw(q: ReportQuery, title: string): { svg: string; caption: string };
}

/** Label of a row from its identifying text columns, e.g. `p_1001 · electronics`. */
function rowLabel(q: ReportQuery, row: Row, except: readonly string[] = []): string {
  const labels = q.columns.filter(
    (c, i) => !except.includes(c) && ['text', 'label'].includes(columnKind(c, q.columnTypes?.[i] ?? (typeof row[c] === 'string' ? 'VARCHAR' : 'DOUBLE'))),
  );
  return labels.map((c) => String(row[c] ?? '')).join(' · ') || 'row';
}

/**
 * The charts for the deliverable queries, tried in order. Only column names are matched, so a
 * query that changes its columns falls back to plain bars instead of breaking the report.
 */
const CHART_RULES: readonly ChartRule[] = [
  {
    // Conversion funnel: rates compared on one percentage scale, best converting product first.
    fits: (columns) => columns.filter((c) => c.endsWith('_rate')).length >= 2,
    draw(q, title) {
      const rates = q.columns.filter((c) => c.endsWith('_rate'));
      const sortBy = rates[rates.length - 1];
      const rows = [...q.rows].sort((a, b) => (asNumber(b[sortBy]) ?? -1) - (asNumber(a[sortBy]) ?? -1));
      const dots = rows.map((r) => ({ label: rowLabel(q, r), values: rates.map((c) => asNumber(r[c])) }));
      return {
        svg: dotPlot(title, rates.map(humanise), dots, formatRate),
        caption: `One row per product, sorted by ${humanise(sortBy)} rate; each dot is one rate on the same 0-100% scale.`,
      };
    },
  },
  {
    // Revenue by hour: columns in time order, dates under their first hour.
    fits: (columns) => columns.includes('revenue') && columns.includes('event_hour'),
    draw(q, title) {
      const columns: Column[] = q.rows.map((r) => ({
        label: hourLabel(r.event_hour),
        group: r.event_date === undefined ? undefined : String(r.event_date),
        value: num(r.revenue),
      }));
      return {
        svg: columnChart(title, columns, formatMoney, { short: compactNumber }),
        caption: 'Purchase revenue per UTC hour (event time); hover a column for the exact amount.',
      };
    },
  },
  {
    // Categories by day: event types stacked, one block of categories per day.
    fits: (columns) => EVENT_TYPE_COUNTS.every((c) => columns.includes(c)),
    draw(q, title) {
      const bars: Bar[] = q.rows.map((r, i) => ({
        label: String(r.category ?? ''),
        values: EVENT_TYPE_COUNTS.map((c) => num(r[c])),
        heading: i === 0 || q.rows[i - 1].event_date !== r.event_date ? String(r.event_date ?? '') : undefined,
      }));
      return {
        svg: barChart(title, EVENT_TYPE_COUNTS.map(humanise), bars, formatCount),
        caption: 'Events per category and day, split by event type; searches carry no category.',
      };
    },
  },
  {
    // A ranking of products by views (the top 10): bars in the query's order, largest first.
    fits: (columns) => columns.includes('views') && !columns.includes('add_to_carts') && columns.includes('product_id'),
    draw(q, title) {
      const bars = q.rows.map((r) => ({ label: rowLabel(q, r, ['views']), values: [num(r.views)] }));
      return { svg: barChart(title, ['views'], bars, formatCount), caption: 'Page views per product, most viewed first.' };
    },
  },
  {
    // Users, sessions and events: each on its own scale, side by side.
    fits: (columns) => columns.includes('unique_users') && columns.includes('unique_sessions'),
    draw(q, title) {
      const measures = q.columns.filter((c) => ['unique_users', 'unique_sessions', 'events'].includes(c));
      const panels = measures.map((m) => ({ title: humanise(m), columns: q.rows.map((r) => ({ label: String(r.event_date ?? ''), value: num(r[m]) })) }));
      return {
        svg: smallMultiples(title, panels, formatCount),
        caption: 'Per day; each panel has its own scale, so the three are not compared by bar height.',
      };
    },
  },
];

/** Any other result: bars of its first measure per row (the top 10 products fall here). */
function fallbackChart(q: ReportQuery, title: string): { svg: string; caption: string } {
  const measure = q.columns.find((c, i) =>
    ['count', 'money', 'decimal', 'number'].includes(columnKind(c, q.columnTypes?.[i] ?? (typeof q.rows[0]?.[c] === 'number' ? 'DOUBLE' : 'VARCHAR'))),
  );
  if (measure === undefined) return { svg: messageChart(title, 'No numeric column to chart.'), caption: '' };
  const format = (v: number) => formatValue(v, columnKind(measure, q.columnTypes?.[q.columns.indexOf(measure)] ?? 'DOUBLE'));
  const bars = q.rows.map((r) => ({ label: rowLabel(q, r, [measure]), values: [num(r[measure])] }));
  return {
    svg: barChart(title, [humanise(measure)], bars, format),
    caption: `${humanise(measure)[0].toUpperCase()}${humanise(measure).slice(1)} per row, in the query's order.`,
  };
}

/** The chart of one query result (always exactly one <svg>) and how to read it. */
export function renderChart(q: ReportQuery): { svg: string; caption: string } {
  const title = `Query ${q.id}: ${q.name}`;
  if (q.rows.length === 0) return { svg: messageChart(title, 'No rows yet: nothing to chart.'), caption: '' };
  const rule = CHART_RULES.find((r) => r.fits(q.columns));
  return rule ? rule.draw(q, title) : fallbackChart(q, title);
}

// ---------------------------------------------------------------------------------------------
// Page building blocks
// ---------------------------------------------------------------------------------------------

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px;line-height:1.4}
h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{margin:28px 0 2px;font-size:1.1em}.qname{font-weight:normal;color:#777;font-size:.85em;margin-left:6px}
p.caption{margin:2px 0 4px;color:#555;font-size:.9em}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:#777;fill:#777}.pass{color:#1d7a34;font-weight:bold}.observed{color:#2f6db5;font-weight:bold}.fail,.error{color:#b3261e;font-weight:bold}.no-data{color:#8a6d00;font-weight:bold}
svg.chart{display:block;margin:8px 0;font-size:11px;fill:#333;max-width:100%;height:auto}
svg .grid{stroke:#e6e6e6}svg .baseline{stroke:#999}svg .tick{fill:#666}svg .value{fill:#333;font-size:10px}
svg .heading{font-weight:bold;fill:#333}svg .range{stroke:#c8c8c8;stroke-width:2}
.verdict{font-size:1.05em;padding:8px 12px;border-radius:4px;margin:12px 0}
.verdict.pass{background:#e6f4ea}.verdict.fail{background:#fce8e6}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:140px}
.card .value{font-size:1.5em;font-weight:600;font-variant-numeric:tabular-nums}.card .label{color:#666;font-size:.85em}
details{margin:4px 0 8px}summary{cursor:pointer;color:#2f6db5}
.samples div{margin-bottom:6px}.sample{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:#f7f7f7;padding:2px 6px;word-break:break-all}
`;

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, numericColumns: ReadonlySet<number> = new Set()): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${numericColumns.has(i) ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('');
  return `<table>${head}${body}</table>`;
}

function queryTable(q: ReportQuery): string {
  const kinds = q.columns.map((c, i) =>
    columnKind(c, q.columnTypes?.[i] ?? (q.rows.some((r) => typeof r[c] === 'number' || typeof r[c] === 'bigint') ? 'DOUBLE' : 'VARCHAR')),
  );
  const rows = q.rows.slice(0, MAX_TABLE_ROWS).map((r) => q.columns.map((c, i) => formatValue(r[c], kinds[i], q.columnTypes?.[i])));
  const numeric = new Set(kinds.map((k, i) => (['count', 'rate', 'money', 'decimal', 'number'].includes(k) ? i : -1)).filter((i) => i >= 0));
  const more = q.rows.length > MAX_TABLE_ROWS ? `<p class="muted">First ${MAX_TABLE_ROWS} of ${formatCount(q.rows.length)} rows.</p>` : '';
  return table(q.columns, rows, numeric) + more;
}

function header(input: ReportInput, passed: boolean): string[] {
  const counts = (statuses: string[]) => input.checks.filter((c) => statuses.includes(c.status)).length;
  const reconciled = input.reconciliation.every((r) => r.injected === r.engine);
  const observed = counts(['observed']);
  const verdict = passed
    ? `Every line is accounted for and all checks passed (${counts(['pass'])} pass, ${counts(['no-data'])} without data${observed ? `, ${observed} observation${observed === 1 ? '' : 's'} reported` : ''}).`
    : `Something FAILED: ${counts(['fail', 'error'])} check(s) failed${reconciled ? '' : ", and the engine's figures differ from what the generator injected"}. See below.`;
  return [
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="muted">Generated ${escapeHtml(input.generatedAt.toISOString())}</p>`,
    `<div class="cards">${input.headline.map(([label, value]) => `<div class="card"><div class="value">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div></div>`).join('')}</div>`,
    `<p class="verdict ${passed ? 'pass' : 'fail'}">${escapeHtml(verdict)}</p>`,
  ];
}

function answers(queries: readonly ReportQuery[]): string[] {
  const out = ['<h2>The five questions</h2>'];
  for (const q of queries) {
    const { svg, caption } = renderChart(q);
    out.push(`<h3 id="q${q.id}">${escapeHtml(`${q.id}. ${q.question}`)}<span class="qname">${escapeHtml(q.name)}</span></h3>`);
    if (caption) out.push(`<p class="caption">${escapeHtml(caption)}</p>`);
    out.push(svg);
    out.push(`<details><summary>${escapeHtml(`Data: ${formatCount(q.rows.length)} row${q.rows.length === 1 ? '' : 's'}`)}</summary>${queryTable(q)}</details>`);
  }
  return out;
}

function accounting(input: ReportInput): string[] {
  const out = ['<h2>Is every line accounted for?</h2>'];
  out.push(
    '<p class="caption">What the generator injected, against what the engine counted. Lines read = events kept + duplicates dropped + lines quarantined.</p>',
  );
  out.push(
    table(
      ['Figure', 'Injected by the generator', 'Counted by the engine', 'Match'],
      input.reconciliation.map((r) => [r.figure, formatCount(r.injected), formatCount(r.engine), r.injected === r.engine ? 'yes' : 'NO']),
      new Set([1, 2]),
    ),
  );
  out.push('<h3>Quarantine: what was rejected, and why</h3>');
  const reasons = Object.entries(input.quarantinedByReason);
  if (reasons.length === 0) {
    out.push('<p class="muted">Nothing quarantined.</p>');
    return out;
  }
  out.push('<table><tr><th>Reason</th><th>Lines</th><th>Sample lines (as read), detail and source file</th></tr>');
  for (const [reason, n] of reasons) {
    const samples = input.quarantineSamples.filter((s) => s.reason === reason);
    const shown = samples
      .map((s) => {
        const line =
          s.rawLine === null ? '(no line: the whole file)' : s.rawLine.length > SAMPLE_LINE_CHARS ? `${s.rawLine.slice(0, SAMPLE_LINE_CHARS)}…` : s.rawLine;
        return `<div><code class="sample">${escapeHtml(line)}</code><br><span class="muted">${escapeHtml([s.detail, s.sourceFile].filter((x) => x).join(' · '))}</span></div>`;
      })
      .join('');
    out.push(
      `<tr><td>${escapeHtml(reason)}</td><td class="num">${escapeHtml(formatCount(n))}</td><td class="samples">${shown || '<span class="muted">no sample</span>'}</td></tr>`,
    );
  }
  out.push('</table>');
  return out;
}

function checksTable(checks: readonly CheckResult[]): string {
  // The message column only when some check has something to say.
  const messages = checks.some((c) => c.message);
  const rows = checks.map(
    (c) =>
      `<tr><td>${escapeHtml(c.id)}</td><td>${escapeHtml(c.kind)}</td><td class="${escapeHtml(c.status)}">${escapeHtml(c.status)}</td>` +
      `<td>${escapeHtml(c.observed ?? '')}</td>${messages ? `<td>${escapeHtml(c.message ?? '')}</td>` : ''}</tr>`,
  );
  return `<table><tr><th>Check</th><th>Kind</th><th>Status</th><th>Observed</th>${messages ? '<th>Message</th>' : ''}</tr>${rows.join('')}</table>`;
}

/** Invariants (they fail the run) apart from observations (figures worth a look, never a failure). */
function checksSection(checks: readonly CheckResult[]): string[] {
  const observations = checks.filter((c) => c.kind === 'observation');
  const invariants = checks.filter((c) => c.kind !== 'observation');
  const out = ['<h2>Checks</h2>'];
  if (observations.length > 0) {
    out.push(
      '<h3>Data observations</h3>',
      '<p class="caption">Figures about the data itself; they are reported, never a failure.</p>',
      checksTable(observations),
    );
  }
  out.push(
    '<h3>Pipeline invariants</h3>',
    '<p class="caption">Each must hold after every run; one that does not fails the run (and a deployment).</p>',
    checksTable(invariants),
  );
  return out;
}

function runDetails(input: ReportInput): string[] {
  const totalSeconds = Object.values(input.stepSeconds).reduce((a, b) => a + b, 0);
  return [
    '<h2>Run details</h2>',
    table(
      ['Setting', 'Value'],
      input.settings.map(([k, v]) => [k, v]),
    ),
    '<h3>Rows per table</h3>',
    table(
      ['Table', 'Rows'],
      Object.entries(input.rowCounts).map(([k, v]) => [k, formatCount(v)]),
      new Set([1]),
    ),
    '<h3>Batches (one 5-minute file each)</h3>',
    table(
      ['#', 'File', 'Lines read', 'Silver rows added', 'Duplicates dropped', 'Quarantined', 'Time'],
      input.batches.map((b) => [
        String(b.index),
        b.file,
        formatCount(b.linesRead),
        formatCount(b.silverRowsAdded),
        formatCount(b.duplicatesDropped),
        formatCount(b.recordsQuarantined),
        formatSeconds(b.seconds),
      ]),
      new Set([0, 2, 3, 4, 5, 6]),
    ),
    '<h3>Time per step (all batches)</h3>',
    table(
      ['Step', 'Time', 'Share'],
      [
        ...Object.entries(input.stepSeconds).map(([k, v]) => [k, formatSeconds(v), totalSeconds > 0 ? formatRate(v / totalSeconds) : '']),
        ['total', formatSeconds(totalSeconds), ''],
      ],
      new Set([1, 2]),
    ),
  ];
}

export function renderReport(input: ReportInput): string {
  const passed = checksPassed(input.checks) && input.reconciliation.every((r) => r.injected === r.engine);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(input.title)}</title><style>${CSS}</style></head><body>`,
    ...header(input, passed),
    ...answers(input.queries),
    ...accounting(input),
    ...checksSection(input.checks),
    ...runDetails(input),
    '</body></html>',
  ].join('\n');
}
