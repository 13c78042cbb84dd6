/**
 * The demo's HTML report: one self-contained page (inline CSS and inline SVG, no scripts, no
 * fonts, no URLs) so it opens offline from a file:// path or an email attachment.
 *
 * `renderReport` is a pure function from the figures of a run to an HTML string: it does no I/O,
 * so tests can feed it hostile values and inspect the result. Every piece of text that comes from
 * data (query values, check messages, file names, settings) goes through `escapeHtml`.
 */
import type { CheckResult } from '../checks';

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
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

export interface ReportInput {
  readonly title: string;
  readonly generatedAt: Date;
  /** Label/value pairs describing the run (volume, seed, folders...). */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  readonly batches: readonly ReportBatch[];
  /** Rows per table id after the last batch. */
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly reconciliation: readonly ReconciliationRow[];
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  /** Seconds per pipeline step, summed over all batches. */
  readonly stepSeconds: Readonly<Record<string, number>>;
  readonly queries: readonly ReportQuery[];
  readonly checks: readonly CheckResult[];
}

/** Rows of a query result charted at most; the table below the chart says when more exist. */
export const MAX_CHART_ROWS = 40;
/** Rows of a query result listed at most in its table. */
export const MAX_TABLE_ROWS = 100;

const PALETTE = ['#2f6db5', '#e07b24', '#3a9a4f', '#b8394a', '#7a5cb0', '#8c6d3f'];

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A query value as text: DuckDB values (decimals, dates) render through their own toString. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  if (typeof value === 'object') {
    const text = String(value);
    return text === '[object Object]' ? JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) : text;
  }
  return String(value);
}

/** A query value as a number when it is one (JS number, bigint, numeric string, DuckDB decimal). */
export function toChartNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const withDouble = value as { toDouble?: () => number };
    if (typeof withDouble.toDouble === 'function') return withDouble.toDouble();
    return toChartNumber(String(value));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Choosing what to chart
// ---------------------------------------------------------------------------------------------

export interface ChartSpec {
  /** Columns joined into a bar's label. */
  readonly labelColumns: readonly string[];
  /** Numeric columns drawn as bars. */
  readonly series: readonly string[];
  /** Stacked when the series are parts of one whole (event types), grouped otherwise. */
  readonly stacked: boolean;
}

/**
 * Measure sets that make a readable chart for the deliverable queries, tried in order. Only
 * column names are matched, so a query that changes its columns falls back to the generic rule
 * instead of breaking the report.
 */
const PREFERRED_SERIES: ReadonlyArray<{ series: readonly string[]; stacked: boolean }> = [
  { series: ['revenue'], stacked: false },
  { series: ['page_views', 'add_to_carts', 'remove_from_carts', 'purchases', 'searches'], stacked: true },
  { series: ['views', 'add_to_carts', 'purchases'], stacked: false },
  { series: ['unique_users', 'unique_sessions', 'events'], stacked: false },
  { series: ['views'], stacked: false },
];

/** Columns that identify a row (ids, dates, hours, categories) rather than measure it. */
const DIMENSION = /(^|_)(id|date|hour|category|name|type|query)$/;

export function chooseChart(query: ReportQuery): ChartSpec {
  const numeric = query.columns.filter(
    (c) => query.rows.length > 0 && query.rows.every((r) => r[c] === null || r[c] === undefined || toChartNumber(r[c]) !== null),
  );
  const labelColumns = query.columns.filter((c) => DIMENSION.test(c) || !numeric.includes(c));
  const preferred = PREFERRED_SERIES.find((p) => p.series.every((s) => query.columns.includes(s)));
  if (preferred) return { labelColumns, series: preferred.series, stacked: preferred.stacked };
  const measures = numeric.filter((c) => !labelColumns.includes(c));
  return { labelColumns, series: measures, stacked: false };
}

// ---------------------------------------------------------------------------------------------
// SVG chart (horizontal bars: long labels such as "2025-11-19 · electronics" stay readable)
// ---------------------------------------------------------------------------------------------

const CHART_WIDTH = 760;
const LABEL_WIDTH = 210;
const PLOT_RIGHT_PAD = 70;

/** A round tick step (1, 2 or 5 x 10^n) giving about four intervals up to `max`. */
function tickStep(max: number): number {
  if (max <= 0) return 1;
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((s) => s * magnitude >= raw) as number) * magnitude;
}

function compactNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${Number((n / 1e9).toPrecision(3))}G`;
  if (abs >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((n / 1e3).toPrecision(3))}k`;
  return String(Number(n.toPrecision(4)));
}

function messageSvg(title: string, message: string): string {
  return (
    `<svg class="chart" role="img" width="${CHART_WIDTH}" height="60" viewBox="0 0 ${CHART_WIDTH} 60">` +
    `<title>${escapeHtml(title)}</title>` +
    `<text x="10" y="34" class="muted">${escapeHtml(message)}</text></svg>`
  );
}

/** The chart of one query result as an inline <svg> element (always exactly one). */
export function renderChart(query: ReportQuery): string {
  const title = `Query ${query.id}: ${query.name}`;
  if (query.rows.length === 0) return messageSvg(title, 'No rows: nothing to chart yet.');
  const spec = chooseChart(query);
  if (spec.series.length === 0) return messageSvg(title, 'No numeric column to chart.');

  const rows = query.rows.slice(0, MAX_CHART_ROWS);
  // An hour reads better as 07:00 than as 7 next to a date.
  const labelPart = (c: string, v: unknown) => (/(^|_)hour$/.test(c) && toChartNumber(v) !== null ? `${formatCell(v).padStart(2, '0')}:00` : formatCell(v));
  const label = (r: Record<string, unknown>) => spec.labelColumns.map((c) => labelPart(c, r[c])).join(' · ') || `row`;
  const value = (r: Record<string, unknown>, s: string) => Math.max(0, toChartNumber(r[s]) ?? 0);
  const rowTotal = (r: Record<string, unknown>) =>
    spec.stacked ? spec.series.reduce((sum, s) => sum + value(r, s), 0) : Math.max(...spec.series.map((s) => value(r, s)));
  const step = tickStep(Math.max(...rows.map(rowTotal)));
  const max = Math.max(step, Math.ceil(Math.max(...rows.map(rowTotal)) / step) * step);

  const barHeight = spec.stacked || spec.series.length === 1 ? 14 : 7;
  const rowHeight = (spec.stacked ? barHeight : barHeight * spec.series.length) + 8;
  const legendHeight = 26;
  const top = legendHeight + 8;
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - PLOT_RIGHT_PAD;
  const height = top + rows.length * rowHeight + 24;
  const x = (v: number) => LABEL_WIDTH + (v / max) * plotWidth;

  const parts: string[] = [];
  parts.push(`<svg class="chart" role="img" width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}">`);
  parts.push(`<title>${escapeHtml(title)}</title>`);
  // Legend
  let lx = 10;
  spec.series.forEach((s, i) => {
    parts.push(`<rect x="${lx}" y="6" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`);
    parts.push(`<text x="${lx + 16}" y="16">${escapeHtml(s)}</text>`);
    lx += 28 + s.length * 7;
  });
  if (spec.stacked) parts.push(`<text x="${lx}" y="16" class="tick">(stacked)</text>`);
  // Grid and ticks
  for (let v = 0; v <= max + step / 2; v += step) {
    const gx = x(v).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 20}" class="grid"/>`);
    parts.push(`<text x="${gx}" y="${height - 6}" text-anchor="middle" class="tick">${escapeHtml(compactNumber(v))}</text>`);
  }
  // Bars
  rows.forEach((r, i) => {
    const y0 = top + i * rowHeight;
    const text = label(r);
    const shown = text.length > 30 ? `${text.slice(0, 29)}…` : text;
    parts.push(`<text x="${LABEL_WIDTH - 6}" y="${y0 + rowHeight / 2 + 2}" text-anchor="end">${escapeHtml(shown)}</text>`);
    let stackX = LABEL_WIDTH;
    spec.series.forEach((s, j) => {
      const v = value(r, s);
      const w = (v / max) * plotWidth;
      const bx = spec.stacked ? stackX : LABEL_WIDTH;
      const by = spec.stacked ? y0 + 4 : y0 + 4 + j * barHeight;
      const tip = `${text}: ${s} = ${formatCell(r[s])}`;
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${barHeight - 1}" fill="${PALETTE[j % PALETTE.length]}">` +
          `<title>${escapeHtml(tip)}</title></rect>`,
      );
      stackX += w;
    });
    const endX = spec.stacked ? stackX : x(Math.max(...spec.series.map((s) => value(r, s))));
    const endText = spec.stacked || spec.series.length === 1 ? compactNumber(rowTotal(r)) : '';
    if (endText) parts.push(`<text x="${(endX + 4).toFixed(1)}" y="${y0 + rowHeight / 2 + 2}" class="tick">${escapeHtml(endText)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777;fill:#777}.pass{color:#1d7a34;font-weight:bold}.fail,.error{color:#b3261e;font-weight:bold}.no-data{color:#8a6d00;font-weight:bold}
svg.chart{display:block;margin:8px 0;font-size:11px;fill:#333}svg.chart .grid{stroke:#e4e4e4}svg.chart .tick{fill:#666}
.summary{font-size:1.1em;padding:8px 12px;border-radius:4px;display:inline-block}
.summary.pass{background:#e6f4ea}.summary.fail{background:#fce8e6}
`;

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, numericColumns: ReadonlySet<number> = new Set()): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${numericColumns.has(i) ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('');
  return `<table>${head}${body}</table>`;
}

const int = (n: number) => n.toLocaleString('en-US');
const secs = (s: number) => s.toFixed(2);

function queryTable(query: ReportQuery): string {
  const rows = query.rows.slice(0, MAX_TABLE_ROWS).map((r) => query.columns.map((c) => formatCell(r[c])));
  const numeric = new Set(query.columns.map((c, i) => (query.rows.some((r) => typeof r[c] !== 'string' && toChartNumber(r[c]) !== null) ? i : -1)).filter((i) => i >= 0));
  const more = query.rows.length > MAX_TABLE_ROWS ? `<p class="muted">First ${MAX_TABLE_ROWS} of ${int(query.rows.length)} rows.</p>` : '';
  return table(query.columns, rows, numeric) + more;
}

/** Overall verdict of the checks: any fail or error fails the run. */
export function checksPassed(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => c.status !== 'fail' && c.status !== 'error');
}

export function renderReport(input: ReportInput): string {
  const passed = checksPassed(input.checks) && input.reconciliation.every((r) => r.injected === r.engine);
  const counts = (statuses: string[]) => input.checks.filter((c) => statuses.includes(c.status)).length;
  const totalSeconds = Object.values(input.stepSeconds).reduce((a, b) => a + b, 0);
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en"><head><meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${escapeHtml(input.title)}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>${escapeHtml(input.title)}</h1>`);
  out.push(`<p class="muted">Generated ${escapeHtml(input.generatedAt.toISOString())}</p>`);
  out.push(
    `<p class="summary ${passed ? 'pass' : 'fail'}">${passed ? 'All checks passed' : 'Some checks FAILED'}: ` +
      `${counts(['pass'])} pass, ${counts(['fail', 'error'])} fail, ${counts(['no-data'])} no data.</p>`,
  );

  out.push('<h2>Run</h2>');
  out.push(table(['Setting', 'Value'], input.settings.map(([k, v]) => [k, v])));

  out.push('<h2>Batches (one 5-minute file each)</h2>');
  out.push(
    table(
      ['#', 'File', 'Lines read', 'Silver rows added', 'Duplicates dropped', 'Quarantined', 'Seconds'],
      input.batches.map((b) => [String(b.index), b.file, int(b.linesRead), int(b.silverRowsAdded), int(b.duplicatesDropped), int(b.recordsQuarantined), secs(b.seconds)]),
      new Set([0, 2, 3, 4, 5, 6]),
    ),
  );

  out.push('<h2>Reconciliation: generator vs engine</h2>');
  out.push(
    table(
      ['Figure', 'Injected by the generator', 'Counted by the engine', 'Match'],
      input.reconciliation.map((r) => [r.figure, int(r.injected), int(r.engine), r.injected === r.engine ? 'yes' : 'NO']),
      new Set([1, 2]),
    ),
  );

  out.push('<h2>Quarantined by reason</h2>');
  const reasons = Object.entries(input.quarantinedByReason);
  out.push(reasons.length ? table(['Reason', 'Records'], reasons.map(([k, v]) => [k, int(v)]), new Set([1])) : '<p class="muted">Nothing quarantined.</p>');

  out.push('<h2>Rows per table</h2>');
  out.push(table(['Table', 'Rows'], Object.entries(input.rowCounts).map(([k, v]) => [k, int(v)]), new Set([1])));

  out.push('<h2>Time per step (all batches)</h2>');
  out.push(
    table(
      ['Step', 'Seconds', 'Share'],
      [
        ...Object.entries(input.stepSeconds).map(([k, v]) => [k, secs(v), totalSeconds > 0 ? `${((100 * v) / totalSeconds).toFixed(1)}%` : '']),
        ['total', secs(totalSeconds), ''],
      ],
      new Set([1, 2]),
    ),
  );

  out.push('<h2>Checks</h2>');
  out.push('<table><tr><th>Check</th><th>Kind</th><th>Status</th><th>Observed</th><th>Message</th></tr>');
  for (const c of input.checks) {
    out.push(
      `<tr><td>${escapeHtml(c.id)}</td><td>${escapeHtml(c.kind)}</td><td class="${escapeHtml(c.status)}">${escapeHtml(c.status)}</td>` +
        `<td>${escapeHtml(c.observed ?? '')}</td><td>${escapeHtml(c.message ?? '')}</td></tr>`,
    );
  }
  out.push('</table>');

  out.push('<h2>Business queries</h2>');
  for (const q of input.queries) {
    out.push(`<h3>${escapeHtml(`${q.id}. ${q.name}`)}</h3>`);
    out.push(`<p>${escapeHtml(q.question)}</p>`);
    out.push(renderChart(q));
    if (q.rows.length > MAX_CHART_ROWS) out.push(`<p class="muted">Chart shows the first ${MAX_CHART_ROWS} of ${int(q.rows.length)} rows.</p>`);
    out.push(queryTable(q));
  }
  out.push('</body></html>');
  return out.join('\n');
}
