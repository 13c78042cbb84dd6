/** Small lakes for the validation-check tests, and ways to tamper with them. */
import * as fs from 'fs';
import * as path from 'path';
import { runIncremental } from '../../etl/local/engine';
import { openDuck, sqlString } from '../../etl/local/duck';
import { eventLine, keyAt, tempDir, writeSource } from './source-files';

/** Page views, carts and purchases of the given users on one day and hour. */
export const funnelLines = (day: string, h: string, users: string[]) =>
  users.flatMap((u, i) => [
    eventLine({ user_id: u, timestamp: `${day}T${h}:0${i}:00Z`, event_type: 'page_view', quantity: null, price: null }),
    eventLine({ user_id: u, timestamp: `${day}T${h}:1${i}:00Z`, event_type: 'add_to_cart' }),
    eventLine({ user_id: u, timestamp: `${day}T${h}:2${i}:00Z`, event_type: 'purchase' }),
  ]);

/** A small lake: two files, a duplicate, a reject, two hours of 2025-11-19. */
export async function buildLake(): Promise<string> {
  const source = tempDir('chk');
  const lake = tempDir('chklake');
  writeSource(source, keyAt('2025-11-19T17:55:00Z'), [...funnelLines('2025-11-19', '17', ['u_1', 'u_2']), '{"not json']);
  writeSource(source, keyAt('2025-11-19T18:00:00Z'), [...funnelLines('2025-11-19', '18', ['u_3']), funnelLines('2025-11-19', '17', ['u_1'])[0]]);
  await runIncremental({ source, lake });
  return lake;
}

/**
 * Two source days. The 2025-11-19 00:00 file carries an event of 2025-11-18 23:58 (path time is
 * taken after generation) and a late event of 2025-11-10: both sit outside a one-day window on
 * 2025-11-19, on either side of its edge.
 */
export async function buildTwoDayLake(): Promise<string> {
  const source = tempDir('chk2');
  const lake = tempDir('chk2lake');
  writeSource(source, keyAt('2025-11-18T12:00:00Z'), funnelLines('2025-11-18', '11', ['u_1', 'u_2']));
  writeSource(source, keyAt('2025-11-19T00:00:00Z'), [
    ...funnelLines('2025-11-18', '23', ['u_3']).map((l) => l.replace(/T23:(\d)(\d):00Z/, 'T23:5$2:00Z')),
    eventLine({
      user_id: 'u_late',
      timestamp: '2025-11-10T08:00:00Z',
      event_type: 'search',
      product_id: null,
      category: null,
      quantity: null,
      price: null,
      search_query: 'late',
    }),
    ...funnelLines('2025-11-19', '00', ['u_4']),
  ]);
  writeSource(source, keyAt('2025-11-19T09:00:00Z'), funnelLines('2025-11-19', '08', ['u_5', 'u_6']));
  await runIncremental({ source, lake });
  return lake;
}

/** Rewrites the single Parquet file of a partition through DuckDB with `transform` applied. */
export async function tamper(lake: string, relDir: string, transform: (from: string) => string): Promise<void> {
  const dir = path.join(lake, relDir);
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  const src = path.join(dir, file);
  const tmp = path.join(dir, 'tampered.tmp');
  const duck = await openDuck();
  try {
    await duck.connection.run(`COPY (${transform(`read_parquet(${sqlString(src)}, hive_partitioning = false)`)}) TO ${sqlString(tmp)} (FORMAT parquet)`);
  } finally {
    duck.close();
  }
  fs.renameSync(tmp, src);
}

export const duplicateOneRow = (from: string) => `SELECT * FROM ${from} UNION ALL (SELECT * FROM ${from} LIMIT 1)`;
export const addOneToRevenue = (from: string) => `SELECT event_hour, CAST(revenue + 1 AS DECIMAL(18, 2)) AS revenue, purchases, units FROM ${from}`;
