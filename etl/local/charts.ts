/**
 * Inline SVG charts for the HTML report: no scripts, no fonts, no URLs, so the page works
 * offline. Each function returns exactly one <svg> element; every text from the data is escaped.
 *
 *   dotPlot         several rates per row on one 0-100% scale (the conversion funnel)
 *   columnChart     one measure over an ordered axis (revenue by hour)
 *   barChart        one measure per row, or several stacked (top products, categories by event type)
 *   smallMultiples  several measures side by side, each on its own scale (users, sessions, events)
 */
import { escapeControl } from './format';

export const CHART_WIDTH = 760;
export const PALETTE = ['#2f6db5', '#e07b24', '#3a9a4f', '#b8394a', '#7a5cb0', '#8c6d3f'];

export function escapeHtml(value: string): string {
  return escapeControl(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A round axis step (1, 2, 2.5 or 5 x 10^n) giving about `intervals` intervals up to `max`. */
export function niceStep(max: number, intervals = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((s) => s * magnitude >= raw) as number) * magnitude;
}

/** Axis top and ticks for values up to `max` (at least `floor`). */
function axis(max: number, floor = 0, intervals = 4): { top: number; ticks: number[] } {
  const step = niceStep(Math.max(max, floor), intervals);
  const top = Math.max(step, Math.ceil(Math.max(max, floor) / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { top, ticks };
}

/** 1,234,567 -> 1.23M: short enough for an axis or the end of a bar. */
export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  const short = (v: number, unit: string) => `${Number(v.toPrecision(3))}${unit}`;
  if (abs >= 1e9) return short(n / 1e9, 'G');
  if (abs >= 1e6) return short(n / 1e6, 'M');
  if (abs >= 1e4) return short(n / 1e3, 'k');
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(Number(n.toPrecision(4)));
}

const open = (height: number, title: string, width = CHART_WIDTH) =>
  `<svg class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${escapeHtml(title)}</title>`;

function legend(series: readonly string[], y = 14, x0 = 10): string {
  let x = x0;
  return series
    .map((s, i) => {
      const item = `<rect x="${x}" y="${y - 10}" width="12" height="12" rx="2" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 16}" y="${y}">${escapeHtml(s)}</text>`;
      x += 30 + s.length * 6.5;
      return item;
    })
    .join('');
}

/** An SVG holding only a message (no rows, nothing to chart). */
export function messageChart(title: string, message: string): string {
  return `${open(40, title)}<text x="10" y="24" class="muted">${escapeHtml(message)}</text></svg>`;
}

// ---------------------------------------------------------------------------------------------

export interface DotRow {
  readonly label: string;
  /** One value per series, a fraction (null when undefined, e.g. no views). */
  readonly values: ReadonlyArray<number | null>;
}

/** Rates per row on one shared percentage scale; a grey line joins a row's lowest and highest rate. */
export function dotPlot(title: string, series: readonly string[], rows: readonly DotRow[], formatRate: (r: number) => string): string {
  if (rows.length === 0) return messageChart(title, 'No rows yet.');
  const labelWidth = 170;
  const rowHeight = 16;
  const top = 30;
  const right = 20;
  const all = rows.flatMap((r) => r.values.filter((v): v is number => v !== null));
  const { top: max, ticks } = axis(Math.max(0, ...all), 1, 4);
  const plot = CHART_WIDTH - labelWidth - right;
  const x = (v: number) => labelWidth + (v / max) * plot;
  const height = top + rows.length * rowHeight + 26;
  const parts = [open(height, title), legend(series)];
  for (const t of ticks) {
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${height - 22}" class="grid"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${height - 8}" text-anchor="middle" class="tick">${escapeHtml(formatRate(t).replace(/\.00%$/, '%'))}</text>`);
  }
  rows.forEach((row, i) => {
    const cy = top + i * rowHeight + rowHeight / 2;
    parts.push(`<text x="${labelWidth - 8}" y="${cy + 4}" text-anchor="end">${escapeHtml(row.label)}</text>`);
    const present = row.values.filter((v): v is number => v !== null);
    if (present.length > 1) {
      parts.push(`<line x1="${x(Math.min(...present)).toFixed(1)}" y1="${cy}" x2="${x(Math.max(...present)).toFixed(1)}" y2="${cy}" class="range"/>`);
    }
    row.values.forEach((v, j) => {
      if (v === null) return;
      parts.push(
        `<circle cx="${x(v).toFixed(1)}" cy="${cy}" r="4.5" fill="${PALETTE[j % PALETTE.length]}"><title>${escapeHtml(`${row.label}: ${series[j]} ${formatRate(v)}`)}</title></circle>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------

export interface Column {
  readonly label: string;
  /** Optional second label line (e.g. the date under the first hour of each day). */
  readonly group?: string;
  readonly value: number;
}

/** Vertical columns in the given order, labelled under the axis, value on top of each column. */
export function columnChart(
  title: string,
  columns: readonly Column[],
  format: (v: number) => string,
  options: { width?: number; height?: number; color?: string; short?: (v: number) => string } = {},
): string {
  if (columns.length === 0) return messageChart(title, 'No rows yet.');
  const width = options.width ?? CHART_WIDTH;
  const height = options.height ?? 240;
  const left = 56;
  const right = 10;
  const top = 16;
  const bottom = columns.some((c) => c.group !== undefined) ? 40 : 26;
  const { top: max, ticks } = axis(Math.max(0, ...columns.map((c) => c.value)));
  const plotH = height - top - bottom;
  const band = (width - left - right) / columns.length;
  const barW = Math.max(2, Math.min(60, band * 0.7));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const everyNth = Math.max(1, Math.ceil(columns.length / Math.floor((width - left - right) / 38)));
  const parts = [open(height, title, width)];
  for (const t of ticks) {
    parts.push(`<line x1="${left}" y1="${y(t).toFixed(1)}" x2="${width - right}" y2="${y(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${escapeHtml(compactNumber(t))}</text>`);
  }
  columns.forEach((c, i) => {
    const cx = left + band * i + band / 2;
    const v = Math.max(0, c.value);
    parts.push(
      `<rect x="${(cx - barW / 2).toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${options.color ?? PALETTE[0]}">` +
        `<title>${escapeHtml(`${c.group ? `${c.group} ` : ''}${c.label}: ${format(c.value)}`)}</title></rect>`,
    );
    if (columns.length <= 24)
      parts.push(
        `<text x="${cx.toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" class="value">${escapeHtml((options.short ?? compactNumber)(c.value))}</text>`,
      );
    if (i % everyNth === 0)
      parts.push(`<text x="${cx.toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" class="tick">${escapeHtml(c.label)}</text>`);
    if (c.group !== undefined && (i === 0 || columns[i - 1].group !== c.group)) {
      parts.push(`<text x="${(left + band * i + 2).toFixed(1)}" y="${height - 6}" class="tick">${escapeHtml(c.group)}</text>`);
    }
  });
  parts.push(`<line x1="${left}" y1="${y(0)}" x2="${width - right}" y2="${y(0)}" class="baseline"/>`);
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------

export interface Bar {
  readonly label: string;
  /** One value per series; several series are stacked. */
  readonly values: readonly number[];
  /** A heading row drawn above this bar (e.g. a new date). */
  readonly heading?: string;
}

/** Horizontal bars, one per row, stacked when there are several series; the total at the end. */
export function barChart(title: string, series: readonly string[], bars: readonly Bar[], format: (v: number) => string): string {
  if (bars.length === 0) return messageChart(title, 'No rows yet.');
  const labelWidth = 190;
  const right = 70;
  const barH = 16;
  const rowH = 22;
  const headingH = 20;
  const top = series.length > 1 ? 28 : 8;
  const totals = bars.map((b) => b.values.reduce((a, v) => a + Math.max(0, v), 0));
  const { top: max, ticks } = axis(Math.max(0, ...totals), 0, 5);
  const plot = CHART_WIDTH - labelWidth - right;
  const x = (v: number) => labelWidth + (v / max) * plot;
  const headings = bars.filter((b) => b.heading !== undefined).length;
  const height = top + bars.length * rowH + headings * headingH + 24;
  const parts = [open(height, title)];
  if (series.length > 1) parts.push(legend(series));
  for (const t of ticks) {
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 2}" x2="${x(t).toFixed(1)}" y2="${height - 20}" class="grid"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${height - 6}" text-anchor="middle" class="tick">${escapeHtml(compactNumber(t))}</text>`);
  }
  let y0 = top;
  bars.forEach((bar, i) => {
    if (bar.heading !== undefined) {
      parts.push(`<text x="10" y="${y0 + 14}" class="heading">${escapeHtml(bar.heading)}</text>`);
      y0 += headingH;
    }
    const label = bar.label.length > 28 ? `${bar.label.slice(0, 27)}…` : bar.label;
    parts.push(`<text x="${labelWidth - 8}" y="${y0 + barH / 2 + 5}" text-anchor="end">${escapeHtml(label)}</text>`);
    let sx = labelWidth;
    bar.values.forEach((v, j) => {
      const w = (Math.max(0, v) / max) * plot;
      const name = series.length > 1 ? `${series[j]} ` : '';
      parts.push(
        `<rect x="${sx.toFixed(1)}" y="${y0 + 2}" width="${w.toFixed(1)}" height="${barH}" fill="${PALETTE[j % PALETTE.length]}"><title>${escapeHtml(`${bar.label}: ${name}${format(v)}`)}</title></rect>`,
      );
      sx += w;
    });
    parts.push(`<text x="${(x(totals[i]) + 5).toFixed(1)}" y="${y0 + barH / 2 + 5}" class="value">${escapeHtml(format(totals[i]))}</text>`);
    y0 += rowH;
  });
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------

export interface Panel {
  readonly title: string;
  readonly columns: readonly Column[];
}

/** Column charts side by side in one SVG, each with its own scale (numbers of different sizes). */
export function smallMultiples(title: string, panels: readonly Panel[], format: (v: number) => string): string {
  if (panels.every((p) => p.columns.length === 0)) return messageChart(title, 'No rows yet.');
  const gap = 16;
  const width = Math.floor((CHART_WIDTH - gap * (panels.length - 1)) / panels.length);
  const height = 220;
  const parts = [open(height + 22, title)];
  panels.forEach((panel, i) => {
    const inner = columnChart(`${title}: ${panel.title}`, panel.columns, format, { width, height, color: PALETTE[i % PALETTE.length] });
    parts.push(`<text x="${i * (width + gap) + 8}" y="14" class="heading">${escapeHtml(panel.title)}</text>`);
    // The panel's drawing, moved into place: one <svg> per chart, whatever its panels.
    parts.push(inner.replace(/^<svg[^>]*>/, `<g transform="translate(${i * (width + gap)},22)">`).replace(/<\/svg>$/, '</g>'));
  });
  parts.push('</svg>');
  return parts.join('');
}
