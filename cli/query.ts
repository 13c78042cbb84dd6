import { UsageError } from './args';
import { Command } from './command';
import { runDeliverableQueries } from '../etl/local/queries';
import { isReadableDir } from './run';

/** `lakehouse query --lake DIR [--format table|csv|json]`: the 5 deliverable queries. */
export const command: Command = {
  name: 'query',
  summary: 'Run the 5 business queries of queries/queries.sql against a local lake.',
  flags: [
    { name: 'lake', type: 'string', placeholder: 'DIR', required: true, description: "Lake folder written by 'lakehouse run'." },
    { name: 'format', type: 'choice', choices: ['table', 'csv', 'json'], default: 'table', description: 'Output format (json: one object keyed "1".."5", each an array of row objects).' },
  ],
  async run(flags) {
    const lake = String(flags.lake);
    if (!isReadableDir(lake)) throw new UsageError(`--lake: '${lake}' is not a readable folder: expected a folder written by 'lakehouse run'`);
    const results = await runDeliverableQueries(lake);
    const format = String(flags.format);
    if (format === 'json') {
      const out: Record<string, unknown> = {};
      for (const r of results) out[String(r.id)] = r.rows;
      console.log(JSON.stringify(out, null, 2));
    } else {
      const blocks = results.map((r) =>
        format === 'csv'
          ? [`# ${r.id}. ${r.name}: ${r.question}`, toCsv(r.columns, r.rows, r.columnTypes)].join('\n')
          : [`${r.id}. ${r.name}: ${r.question}`, toTable(r.columns, r.rows, r.columnTypes)].join('\n'),
      );
      console.log(blocks.join('\n\n'));
    }
    return 0;
  },
};

/** A value as text; DECIMAL(p,s) columns keep their s decimals (0.5 -> 0.5000). */
function cell(v: unknown, type = ''): string {
  if (v === null || v === undefined) return '';
  const scale = /^DECIMAL\(\d+,\s*(\d+)\)/.exec(type);
  return scale && typeof v === 'number' ? v.toFixed(Number(scale[1])) : String(v);
}

export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>, types: readonly string[] = []): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [columns.join(','), ...rows.map((r) => columns.map((c, i) => quote(cell(r[c], types[i]))).join(','))].join('\n');
}

export function toTable(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>, types: readonly string[] = []): string {
  const text = rows.map((r) => columns.map((c, i) => cell(r[c], types[i])));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (typeof rows[0]?.[columns[i]] === 'number' ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map((t) => line(t))].join('\n') + `\n(${rows.length} rows)`;
}
