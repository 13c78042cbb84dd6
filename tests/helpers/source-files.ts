/** Shared by the ETL and CLI tests: temporary source folders and lakes. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lakehouse-${prefix}-`));
}

/** Source key for a file written at the given UTC path time. */
export function keyAt(iso: string): string {
  const [y, mo, d, h, mi, s] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
  return `events/year=${y}/month=${mo}/day=${d}/hour=${h}/minute=${mi}/events-${y}${mo}${d}-${h}${mi}${s}.jsonl.gz`;
}

/** Writes gzipped lines (joined with \n, final newline) under source/key. */
export function writeSource(source: string, key: string, lines: readonly string[] | Buffer): string {
  const file = path.join(source, ...key.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.isBuffer(lines) ? lines : zlib.gzipSync(lines.map((l) => `${l}\n`).join('')));
  return file;
}

/** One starter-style event line. */
export function eventLine(fields: Partial<Record<string, unknown>> = {}): string {
  const base: Record<string, unknown> = {
    timestamp: '2025-11-19T17:54:54.718325+00:00',
    user_id: 'u_10001',
    session_id: 's_20001',
    event_type: 'purchase',
    product_id: 'p_1001',
    quantity: 2,
    price: 19.99,
    category: 'electronics',
    search_query: null,
  };
  const merged: Record<string, unknown> = { ...base, ...fields };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return JSON.stringify(merged).replace(/":/g, '": ').replace(/,"/g, ', "');
}
