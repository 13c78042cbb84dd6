import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { CHECKS, checkTables } from '../etl/checks';
import { runIncremental } from '../etl/local/engine';
import { localCheckDefinitions, runLocalChecks } from '../etl/local/checks';
import { openDuck, sqlString } from '../etl/local/duck';
import { listPartitionDirs } from '../etl/local/partitions';
import { goldHourlyRevenue, silverEvents } from '../etl/schema';
import { eventLine, keyAt, tempDir, writeSource } from './etl-helpers';

/** A small lake: two files, a duplicate, a reject, two hours. */
async function buildLake(): Promise<string> {
  const source = tempDir('chk');
  const lake = tempDir('chklake');
  const lines = (h: string, users: string[]) =>
    users.flatMap((u, i) => [
      eventLine({ user_id: u, timestamp: `2025-11-19T${h}:0${i}:00Z`, event_type: 'page_view', quantity: null, price: null }),
      eventLine({ user_id: u, timestamp: `2025-11-19T${h}:1${i}:00Z`, event_type: 'add_to_cart' }),
      eventLine({ user_id: u, timestamp: `2025-11-19T${h}:2${i}:00Z`, event_type: 'purchase' }),
    ]);
  writeSource(source, keyAt('2025-11-19T17:55:00Z'), [...lines('17', ['u_1', 'u_2']), '{"not json']);
  writeSource(source, keyAt('2025-11-19T18:00:00Z'), [...lines('18', ['u_3']), lines('17', ['u_1'])[0]]);
  await runIncremental({ source, lake });
  return lake;
}

/** Rewrites the single Parquet file of a partition through DuckDB with `transform` applied. */
async function tamper(lake: string, relDir: string, transform: (from: string) => string): Promise<void> {
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

const failedIds = (results: Awaited<ReturnType<typeof runLocalChecks>>) => results.filter((r) => r.status !== 'pass').map((r) => r.id);

describe('validation checks on a local lake', () => {
  it('every check refers only to known tables and has a unique id', () => {
    const defs = localCheckDefinitions();
    expect(new Set(defs.map((d) => d.id)).size).to.equal(defs.length);
    for (const d of CHECKS) expect(checkTables(d.sql).length, d.id).to.be.greaterThan(0);
    expect(defs.filter((d) => d.id.startsWith('query_'))).to.have.length(5);
  });

  it('structural checks pass and data checks report no-data on an empty lake', async () => {
    const results = await runLocalChecks(tempDir('empty'));
    expect(results.filter((r) => r.kind === 'structural').every((r) => r.status === 'pass')).to.equal(true);
    expect(results.filter((r) => r.kind === 'data').map((r) => r.status)).to.satisfy((s: string[]) => s.every((x) => x === 'no-data'));
  });

  it('all pass on a freshly built lake', async () => {
    const lake = await buildLake();
    expect(failedIds(await runLocalChecks(lake))).to.deep.equal([]);
  });

  it('fail, naming the check, when one silver row is duplicated', async () => {
    const lake = await buildLake();
    const [rel] = listPartitionDirs(lake, silverEvents);
    await tamper(lake, rel, (from) => `SELECT * FROM ${from} UNION ALL (SELECT * FROM ${from} LIMIT 1)`);
    const results = await runLocalChecks(lake);
    expect(failedIds(results)).to.include.members(['silver_unique_event_key', 'reconciliation']);
    expect(results.find((r) => r.id === 'silver_unique_event_key')).to.include({ status: 'fail', failures: 1 });
    expect(results.find((r) => r.id === 'silver_unique_event_key')?.message).to.match(/silver_unique_event_key/);
  });

  it('fail, naming the check, when a gold total is altered', async () => {
    const lake = await buildLake();
    const [rel] = listPartitionDirs(lake, goldHourlyRevenue);
    await tamper(lake, rel, (from) => `SELECT event_hour, CAST(revenue + 1 AS DECIMAL(18, 2)) AS revenue, purchases, units FROM ${from}`);
    expect(failedIds(await runLocalChecks(lake))).to.deep.equal(['gold_hourly_revenue_matches_silver']);
  });

  it('fail when a silver row sits in the wrong event-hour partition', async () => {
    const lake = await buildLake();
    const [first, second] = listPartitionDirs(lake, silverEvents);
    const moved = path.join(lake, second, 'moved.parquet');
    fs.copyFileSync(path.join(lake, first, fs.readdirSync(path.join(lake, first))[0]), moved);
    fs.rmSync(path.join(lake, first), { recursive: true });
    expect(failedIds(await runLocalChecks(lake))).to.include('silver_partitions_match_event_time');
  });
});
