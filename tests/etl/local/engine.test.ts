import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { runIncremental } from '../../../etl/local/engine';
import { runLocalChecks } from '../../../etl/local/checks';
import { runDeliverableQueries } from '../../../etl/local/queries';
import { localTableName, registerLakeViews, tableRowCounts } from '../../../etl/local/lake';
import { openDuck, queryRows } from '../../../etl/local/duck';
import { listPartitionDirs } from '../../../etl/local/partitions';
import { manifest } from '../../../etl/manifest';
import {
  goldDailyDistinctIds,
  goldHourlyEventCounts,
  goldUserActivity,
  LAKE_START_YEAR,
  LAKE_TABLES,
  partitionPath,
  silverEvents,
  TableDef,
} from '../../../etl/schema';
import { generateFiles } from '../../../generator';
import { eventLine, keyAt, tempDir, writeSource } from '../../helpers/source-files';
import { rewritePartition } from '../../helpers/trino/tamper';

/** 100 real lines of the course starter's output (a copy of ../shared/fixtures). */
const fixturePath = path.join(__dirname, '..', '..', 'fixtures', 'starter-sample-100.jsonl.gz');

/** Rows of one lake table (all columns, partition keys included), via DuckDB. */
async function tableRows(lake: string, table: TableDef, orderBy: string): Promise<Record<string, unknown>[]> {
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    return await queryRows(duck.connection, `SELECT * FROM ${localTableName(table)} ORDER BY ${orderBy}`);
  } finally {
    duck.close();
  }
}

/** SHA-256 of every Parquet file under the lake's gold folder, by path relative to the lake. */
function goldFiles(lake: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of (fs.readdirSync(path.join(lake, 'gold'), { recursive: true }) as string[]).sort()) {
    if (rel.endsWith('.parquet'))
      out.set(
        `gold/${rel}`,
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(lake, 'gold', rel)))
          .digest('hex'),
      );
  }
  return out;
}

function expectChecksPass(results: Awaited<ReturnType<typeof runLocalChecks>>): void {
  const bad = results.filter((r) => r.status === 'fail' || r.status === 'error');
  expect(
    bad.map((r) => r.message),
    'failed checks',
  ).to.deep.equal([]);
}

describe('local engine: starter fixture', () => {
  let source: string;
  let lake: string;
  before(() => {
    source = tempDir('src');
    lake = tempDir('lake');
    fs.mkdirSync(path.join(source, 'events/year=2025/month=11/day=19/hour=17/minute=54'), { recursive: true });
    fs.copyFileSync(fixturePath, path.join(source, 'events/year=2025/month=11/day=19/hour=17/minute=54/events-20251119-175454.jsonl.gz'));
  });

  it('loads all 100 real starter lines with exact counts per layer and per event type', async () => {
    const summary = await runIncremental({ source, lake });
    expect(summary).to.include({
      batchFiles: 1,
      linesRead: 100,
      bronzeRows: 100,
      silverRowsAdded: 100,
      duplicatesDropped: 0,
      recordsQuarantined: 0,
      corruptFiles: 0,
    });
    const counts = await tableRowCounts(lake);
    expect(counts['bronze.events']).to.equal(100);
    expect(counts['silver.events']).to.equal(100);
    expect(counts['quarantine.events']).to.equal(0);
    expect(counts['bronze.file_ledger']).to.equal(1);

    // Reference figures computed here in JavaScript, independently of the SQL.
    const events = zlib
      .gunzipSync(fs.readFileSync(fixturePath))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byType = (t: string) => events.filter((e) => e.event_type === t).length;
    const revenue = events.filter((e) => e.event_type === 'purchase').reduce((s, e) => s + Math.round(Number(e.price) * 100) * Number(e.quantity), 0) / 100;
    const results = await runDeliverableQueries(lake);
    const q4 = results[3].rows;
    const sum = (rows: Record<string, unknown>[], c: string) => rows.reduce((s, r) => s + Number(r[c]), 0);
    expect(sum(q4, 'events')).to.equal(100);
    expect(sum(q4, 'page_views')).to.equal(byType('page_view'));
    expect(sum(q4, 'purchases')).to.equal(byType('purchase'));
    expect(sum(q4, 'searches')).to.equal(byType('search'));
    expect(q4.find((r) => r.category === '(none)')?.events).to.equal(byType('search'));
    expect(results[1].rows).to.have.length(1);
    expect(results[1].rows[0].revenue).to.be.closeTo(revenue, 0.001);
    expect(results[4].rows[0]).to.include({ event_date: '2025-11-19', events: 100, unique_users: new Set(events.map((e) => e.user_id)).size });
    // no event twice: the 100 rows are 100 distinct events (all nine fields compared)
    const nine = 'event_ts, user_id, session_id, event_type, product_id, quantity, price, category, search_query';
    const silverEventTexts = (await tableRows(lake, silverEvents, nine)).map((r) => JSON.stringify(nine.split(', ').map((c) => String(r[c]))));
    expect(new Set(silverEventTexts).size).to.equal(100);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('writes partition directories exactly as partitionPath() renders them', async () => {
    for (const table of LAKE_TABLES) {
      const rows = await tableRows(lake, table, table.partitionKeys.map((k) => k.name).join(', '));
      const expected = [
        ...new Set(rows.map((r) => partitionPath(table, Object.fromEntries(table.partitionKeys.map((k) => [k.name, r[k.name] as string]))))),
      ].sort();
      expect(listPartitionDirs(lake, table), table.id).to.deep.equal(expected);
    }
    expect(listPartitionDirs(lake, silverEvents)).to.deep.equal(['silver/events/event_date=2025-11-19/event_hour=17']);
  });

  it('a rerun with no new file changes nothing', async () => {
    const before = listFiles(lake);
    const summary = await runIncremental({ source, lake });
    expect(summary.batchFiles).to.equal(0);
    expect(listFiles(lake)).to.deep.equal(before);
  });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)}:${fs.statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('local engine: generated data with injected faults', () => {
  let source: string;
  let lake: string;
  let files: Awaited<ReturnType<typeof generateFiles>>['files'];
  before(async () => {
    source = tempDir('gen');
    lake = tempDir('genlake');
    ({ files } = await generateFiles({
      outDir: source,
      files: 4,
      minEvents: 150,
      maxEvents: 250,
      start: new Date('2025-11-19T17:50:00Z'),
      intervalMinutes: 5,
      seed: 42,
      duplicateRate: 0.05,
      malformedRate: 0.08,
    }));
  });

  it('processes files one batch at a time with exact counts, duplicates across batches dropped', async () => {
    const total = { lines: 0, events: 0, duplicates: 0, malformed: {} as Record<string, number> };
    const reasons: Record<string, number> = {};
    // Expose the files one by one, as the schedule would.
    const staged = tempDir('staged');
    for (const f of files) {
      writeSource(staged, f.key, fs.readFileSync(f.path));
      const s = await runIncremental({ source: staged, lake });
      expect(s.batchFiles).to.equal(1);
      expect(s.linesRead, f.key).to.equal(f.lines);
      expect(s.silverRowsAdded, f.key).to.equal(f.events);
      expect(s.duplicatesDropped, f.key).to.equal(f.duplicates);
      expect(s.linesRead).to.equal(s.silverRowsAdded + s.duplicatesDropped + s.recordsQuarantined);
      for (const [r, n] of Object.entries(s.quarantinedByReason)) reasons[r] = (reasons[r] ?? 0) + n;
      total.lines += f.lines;
      total.events += f.events;
      total.duplicates += f.duplicates;
      for (const [k, n] of Object.entries(f.malformed)) total.malformed[k] = (total.malformed[k] ?? 0) + n;
    }
    expect(total.duplicates, 'the fixture must contain duplicates').to.be.greaterThan(0);
    expect(reasons).to.deep.equal(Object.fromEntries(Object.entries(total.malformed).filter(([, n]) => n > 0)));
    const counts = await tableRowCounts(lake);
    expect(counts['silver.events']).to.equal(total.events);
    expect(counts['quarantine.events']).to.equal(Object.values(total.malformed).reduce((a, b) => a + b, 0));
    expectChecksPass(await runLocalChecks(lake));
  });

  it('wiping the state and reprocessing everything gives identical silver and gold', async () => {
    const before = await runDeliverableQueries(lake);
    const silverBefore = (await tableRowCounts(lake))['silver.events'];
    fs.rmSync(path.join(lake, '_state'), { recursive: true });
    const replay = await runIncremental({ source, lake }); // the same files (same keys) the batches exposed
    expect(replay.batchFiles).to.equal(files.length);
    expect(await runDeliverableQueries(lake)).to.deep.equal(before);
    expect((await tableRowCounts(lake))['silver.events']).to.equal(silverBefore);
    expectChecksPass(await runLocalChecks(lake));

    // A fresh lake that gets every file in a single batch agrees too.
    const fresh = tempDir('fresh');
    await runIncremental({ source, lake: fresh });
    expect(await runDeliverableQueries(fresh)).to.deep.equal(before);
  });
});

describe('local engine: edge cases', () => {
  it('drops a duplicate arriving in a later batch and records it in the ledger', async () => {
    const source = tempDir('dup');
    const lake = tempDir('duplake');
    const x = eventLine({ user_id: 'u_11111' });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [x]);
    await runIncremental({ source, lake });
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [x, eventLine({ user_id: 'u_22222' })]);
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ batchFiles: 1, linesRead: 2, silverRowsAdded: 1, duplicatesDropped: 1 });
    const silver = await tableRows(lake, silverEvents, 'user_id');
    expect(silver.map((r) => [r.user_id, r.source_file])).to.deep.equal([
      ['u_11111', keyAt('2025-11-19T17:55:00Z')],
      ['u_22222', keyAt('2025-11-19T18:00:00Z')],
    ]);
    const ledger = await tableRows(
      lake,
      LAKE_TABLES.find((t) => t.id === 'bronze.file_ledger')!,
      'source_file',
    );
    expect(ledger.map((r) => [r.lines_read, r.silver_rows_added, r.duplicates_dropped])).to.deep.equal([
      ['1', '1', '0'],
      ['2', '1', '1'],
    ]);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('treats records equal in all nine fields as one event: time to the millisecond, numbers by value, null equal to null', async () => {
    const source = tempDir('same');
    const lake = tempDir('samelake');
    const kept = eventLine({ user_id: 'u_30001', timestamp: '2025-11-19T17:50:00.123Z', price: 19.8 });
    const search = eventLine({ user_id: 'u_30002', event_type: 'search', product_id: null, quantity: null, price: null, category: null, search_query: 'lamp' });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [kept, search]);
    await runIncremental({ source, lake });
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [
      // the same event spelled differently: +00:00 for Z, 19.80 for 19.8, 2.0 for 2
      kept.replace('.123Z', '.123+00:00').replace('"price": 19.8', '"price": 19.80').replace('"quantity": 2', '"quantity": 2.0'),
      // silver keeps the time to the millisecond, so a difference below it is the same event
      kept.replace('.123Z', '.123456Z'),
      // the search again (its null fields equal), and once more in the same file
      search,
      search,
      // different in one field each: new events
      kept.replace('"category": "electronics"', '"category": "books"'),
      kept.replace('.123Z', '.124Z'),
      eventLine({ user_id: 'u_30002', event_type: 'search', product_id: null, quantity: null, price: null, category: null, search_query: 'lamps' }),
      // two new events of one batch that share time, user and session and differ in one field
      eventLine({ user_id: 'u_30003', category: 'books' }),
      eventLine({ user_id: 'u_30003', category: 'toys' }),
    ]);
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ linesRead: 9, silverRowsAdded: 5, duplicatesDropped: 4 });
    const silver = await tableRows(lake, silverEvents, 'event_ts, category, search_query');
    expect(silver.map((r) => [r.user_id, r.event_ts, r.category, r.search_query])).to.deep.equal([
      ['u_30001', '2025-11-19 17:50:00.123', 'books', null],
      ['u_30001', '2025-11-19 17:50:00.123', 'electronics', null],
      ['u_30001', '2025-11-19 17:50:00.124', 'electronics', null],
      ['u_30003', '2025-11-19 17:54:54.718', 'books', null],
      ['u_30003', '2025-11-19 17:54:54.718', 'toys', null],
      ['u_30002', '2025-11-19 17:54:54.718', null, 'lamp'],
      ['u_30002', '2025-11-19 17:54:54.718', null, 'lamps'],
    ]);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('deduplicates against silver files that still hold the former event_key column, and reads them', async () => {
    const source = tempDir('oldkey');
    const lake = tempDir('oldkeylake');
    const x = eventLine({ user_id: 'u_40001' });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [x]);
    await runIncremental({ source, lake });
    const [rel] = listPartitionDirs(lake, silverEvents);
    await rewritePartition(lake, rel, (from) => `SELECT md5(user_id) AS event_key, * FROM ${from}`);
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [x, eventLine({ user_id: 'u_40002' })]);
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ silverRowsAdded: 1, duplicatesDropped: 1 });
    expect((await tableRows(lake, silverEvents, 'user_id')).map((r) => r.user_id)).to.deep.equal(['u_40001', 'u_40002']);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('counts a record once when a lake written before millisecond comparison holds its event twice', async () => {
    const source = tempDir('twice');
    const lake = tempDir('twicelake');
    const x = eventLine({ user_id: 'u_50001' });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [x]);
    await runIncremental({ source, lake });
    // such a lake: two rows equal in all nine stored fields (their old keys differed below the millisecond)
    const [rel] = listPartitionDirs(lake, silverEvents);
    await rewritePartition(lake, rel, (from) => `SELECT * FROM ${from} UNION ALL SELECT * FROM ${from}`);
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [x]);
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ linesRead: 1, silverRowsAdded: 0, duplicatesDropped: 1 });
  });

  it("keeps the day's distinct users and sessions of the hours a batch does not touch, and records each id's hours", async () => {
    const source = tempDir('ids');
    const lake = tempDir('idslake');
    const at = (user: string, session: string, timestamp: string) => eventLine({ user_id: user, session_id: session, timestamp });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [at('u_1', 's_1', '2025-11-19T17:50:00Z'), at('u_2', 's_2', '2025-11-19T17:51:00Z')]);
    await runIncremental({ source, lake });
    writeSource(source, keyAt('2025-11-19T18:05:00Z'), [at('u_1', 's_3', '2025-11-19T18:01:00Z'), at('u_3', 's_3', '2025-11-19T18:02:00Z')]);
    await runIncremental({ source, lake });
    const activity = await tableRows(lake, goldUserActivity, 'event_date');
    expect(activity.map((r) => [r.event_date, r.unique_users, r.unique_sessions, r.events])).to.deep.equal([['2025-11-19', '3', '3', '4']]);
    const ids = await tableRows(lake, goldDailyDistinctIds, 'user_id, session_id');
    const h17 = 2 ** 17;
    const h18 = 2 ** 18;
    expect(ids.map((r) => [r.user_id ?? r.session_id, r.hours])).to.deep.equal([
      ['u_1', h17 + h18],
      ['u_2', h17],
      ['u_3', h18],
      ['s_1', h17],
      ['s_2', h17],
      ['s_3', h18],
    ]);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('recomputes gold only for the hours whose silver a batch changed: an hour reached only by copies keeps its gold files', async () => {
    const source = tempDir('changed');
    const lake = tempDir('changedlake');
    const x = eventLine({ user_id: 'u_60001', timestamp: '2025-11-19T16:30:00Z' });
    const y = eventLine({ user_id: 'u_60002', timestamp: '2025-11-19T17:50:00Z' });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [x, y]);
    await runIncremental({ source, lake });
    const first = goldFiles(lake);

    // a copy of y (hour 17) and a new event in hour 18: only hour 18 and the day are recomputed
    writeSource(source, keyAt('2025-11-19T18:05:00Z'), [y, eventLine({ user_id: 'u_60003', timestamp: '2025-11-19T18:01:00Z' })]);
    expect(await runIncremental({ source, lake })).to.include({ silverRowsAdded: 1, duplicatesDropped: 1 });
    const second = goldFiles(lake);
    const hourly = (files: Map<string, string>, hour: number) =>
      [...files].filter(([f]) => f.startsWith('gold/hourly_event_counts/') && f.includes(`/event_hour=${hour}/`));
    expect(hourly(second, 16), 'hour 16').to.deep.equal(hourly(first, 16)).and.to.have.length(1);
    expect(hourly(second, 17), 'hour 17, reached only by a copy').to.deep.equal(hourly(first, 17)).and.to.have.length(1);
    expect(hourly(second, 18), 'hour 18').to.have.length(1);
    const activity = await tableRows(lake, goldUserActivity, 'event_date');
    expect(activity.map((r) => [r.unique_users, r.events])).to.deep.equal([['3', '3']]);

    // a batch of copies only changes no gold file at all
    writeSource(source, keyAt('2025-11-19T18:10:00Z'), [x]);
    expect(await runIncremental({ source, lake })).to.include({ silverRowsAdded: 0, duplicatesDropped: 1 });
    expect([...goldFiles(lake)]).to.deep.equal([...second]);
    expectChecksPass(await runLocalChecks(lake));
  });

  it("adds a batch's records to the gold its hours hold, without reading those hours' silver rows again", async () => {
    const source = tempDir('added');
    const lake = tempDir('addedlake');
    const purchase = (user: string, timestamp: string, price: number) =>
      eventLine({ user_id: user, timestamp, event_type: 'purchase', quantity: 1, price, product_id: 'p_1001', category: 'electronics' });
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [purchase('u_70001', '2025-11-19T17:50:00Z', 10)]);
    await runIncremental({ source, lake });
    // silver's hour 17 altered behind the pipeline's back: gold built from it again would show it
    const [rel] = listPartitionDirs(lake, silverEvents);
    await rewritePartition(lake, rel, (from) => `SELECT * REPLACE ('u_altered' AS user_id, CAST(revenue * 100 AS DECIMAL(12, 2)) AS revenue) FROM ${from}`);
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [purchase('u_70002', '2025-11-19T17:52:00Z', 20)]);
    expect(await runIncremental({ source, lake })).to.include({ silverRowsAdded: 1 });
    const blocks = await tableRows(lake, goldHourlyEventCounts, 'event_hour');
    expect(blocks.map((r) => [r.event_hour, r.events, r.revenue])).to.deep.equal([[17, '2', '30.00']]);
    const ids = await tableRows(lake, goldDailyDistinctIds, 'user_id, session_id');
    expect(ids.filter((r) => r.user_id !== null).map((r) => r.user_id)).to.deep.equal(['u_70001', 'u_70002']);
  });

  it('puts boundary events in their event-time partition and converts a +05:30 offset to UTC', async () => {
    const source = tempDir('time');
    const lake = tempDir('timelake');
    writeSource(source, keyAt('2025-11-19T18:00:02Z'), [
      eventLine({ user_id: 'u_00001', timestamp: '2025-11-19T17:59:59.999999+00:00' }),
      eventLine({ user_id: 'u_00002', timestamp: '2025-11-19T23:59:59.5Z' }),
      eventLine({ user_id: 'u_00003', timestamp: '2025-11-19T17:54:54.718325+05:30' }),
      eventLine({ user_id: 'u_00004', timestamp: '2025-11-20T01:00:00' }),
    ]);
    await runIncremental({ source, lake });
    const rows = await tableRows(lake, silverEvents, 'user_id');
    expect(rows.map((r) => [r.user_id, r.event_ts, r.event_date, r.event_hour])).to.deep.equal([
      ['u_00001', '2025-11-19 17:59:59.999', '2025-11-19', 17],
      ['u_00002', '2025-11-19 23:59:59.5', '2025-11-19', 23],
      ['u_00003', '2025-11-19 12:24:54.718', '2025-11-19', 12],
      ['u_00004', '2025-11-20 01:00:00', '2025-11-20', 1],
    ]);
    expect(listPartitionDirs(lake, silverEvents)).to.deep.equal([
      'silver/events/event_date=2025-11-19/event_hour=12',
      'silver/events/event_date=2025-11-19/event_hour=17',
      'silver/events/event_date=2025-11-19/event_hour=23',
      'silver/events/event_date=2025-11-20/event_hour=1',
    ]);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('quarantines each kind of bad record with the first reason that applies; blank lines are not records', async () => {
    const source = tempDir('bad');
    const lake = tempDir('badlake');
    const cases: Array<[string, string | null]> = [
      ['{"timestamp": "2025-11-19T17:54:54Z", "user_id": "u_1"', 'malformed_json'],
      ["{'timestamp': '2025-11-19T17:54:54Z'}", 'malformed_json'],
      ['[1, 2]', 'malformed_json'],
      [eventLine({ user_id: '' }), 'missing_field'],
      [eventLine({ session_id: undefined, event_type: 'Purchase' }), 'missing_field'],
      [eventLine({ event_type: 'Purchase' }), 'unknown_event_type'],
      [eventLine({ event_type: 'Purchase', timestamp: 'yesterday' }), 'unknown_event_type'],
      [eventLine({ category: null }), 'missing_field'],
      [eventLine({ event_type: 'search', product_id: null, category: null, quantity: null, price: null, search_query: '' }), 'missing_field'],
      [eventLine({ timestamp: '2025-02-30T10:00:00Z', price: 'x' }), 'bad_timestamp'],
      [eventLine({ timestamp: '19/11/2025 17:54' }), 'bad_timestamp'],
      [eventLine({ timestamp: '2025-11-19T17:54:54+18:30' }), 'bad_timestamp'], // beyond Spark's +-18:00
      [eventLine({ quantity: 2.5 }), 'bad_type'],
      [eventLine({ quantity: true }), 'bad_type'],
      [eventLine({ price: 'free', quantity: 0 }), 'bad_type'],
      [eventLine({ price: -1 }), 'out_of_range'],
      [eventLine({ quantity: 0 }), 'out_of_range'],
      // event dates Athena's projection cannot show (before 2020, or after the batch's next day)
      [eventLine({ timestamp: '1970-01-01T00:00:00Z' }), 'out_of_range'],
      [eventLine({ timestamp: '2023-12-31T23:59:59Z' }), 'out_of_range'], // the year before LAKE_START_YEAR
      [eventLine({ timestamp: '2999-01-01T00:00:00Z' }), 'out_of_range'],
      // price and quantity are JSON numbers: a numeric string is a type error, not a number
      [eventLine({ user_id: 'u_str', quantity: '3', price: '19.99' }), 'bad_type'],
      [eventLine({ user_id: 'u_ok1', quantity: 3, price: 19.99 }), null],
      [eventLine({ user_id: 'u_ok2', quantity: 3.0, price: 100 }), null],
      [eventLine({ user_id: 'u_ok3', event_type: 'page_view', quantity: null, price: null }), null],
      [eventLine({ user_id: 'u_ok4', event_type: 'search', product_id: null, category: null, quantity: null, price: null, search_query: 'red shoes' }), null],
      // page views so that the funnel of the valid records is a plausible one (checks pass)
      [eventLine({ user_id: 'u_ok5', event_type: 'page_view', quantity: null, price: null }), null],
      [eventLine({ user_id: 'u_ok6', event_type: 'page_view', quantity: null, price: null }), null],
      [eventLine({ user_id: 'u_ok7', event_type: 'add_to_cart' }), null],
      [eventLine({ user_id: 'u_ok8', event_type: 'add_to_cart' }), null],
      ['{"timestamp": "2025-11-19T17:54:54Z", "user_id": "u_1", "session_id": "s_1", "event_type": "search", "search_query": "x", }', 'malformed_json'],
    ];
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), ['', ...cases.map((c) => c[0]), '   ', '']);
    const s = await runIncremental({ source, lake });
    expect(s.linesRead).to.equal(cases.length);
    expect(s.silverRowsAdded).to.equal(cases.filter((c) => c[1] === null).length);
    const q = await tableRows(
      lake,
      LAKE_TABLES.find((t) => t.id === 'quarantine.events')!,
      'raw_line',
    );
    const byLine = new Map(q.map((r) => [r.raw_line, r.reason]));
    for (const [line, reason] of cases) expect(byLine.get(line) ?? null, line).to.equal(reason);
    const silver = await tableRows(lake, silverEvents, 'user_id');
    expect(silver.map((r) => [r.user_id, r.quantity, r.price])).to.deep.equal([
      ['u_ok1', 3, '19.99'],
      ['u_ok2', 3, '100.00'],
      ['u_ok3', null, null],
      ['u_ok4', null, null],
      ['u_ok5', null, null],
      ['u_ok6', null, null],
      ['u_ok7', 2, '19.99'],
      ['u_ok8', 2, '19.99'],
    ]);
    expect((await tableRowCounts(lake))['bronze.events']).to.equal(cases.length - 4);
    expectChecksPass(await runLocalChecks(lake));
  });

  it("the SQL quarantines events before the lake start year that the schema (and Athena's projection) defines", () => {
    const sql = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'etl', 'sql', '01_parsed.sql'), 'utf8');
    const literals = sql.match(/TIMESTAMP '[^']*'/g) ?? [];
    expect(literals.length).to.be.greaterThan(0);
    for (const literal of literals) expect(literal).to.equal(`TIMESTAMP '${LAKE_START_YEAR}-01-01 00:00:00'`);
  });

  it("skips and reports files outside the source layout or outside the lake's path range, and processes the rest", async () => {
    const source = tempDir('skip');
    const lake = tempDir('skip-lake');
    writeSource(source, keyAt('2025-11-19T17:55:00'), [eventLine()]);
    writeSource(source, 'events/stray.jsonl.gz', [eventLine()]);
    writeSource(source, keyAt('2019-12-31T23:55:00'), [eventLine()]);
    const logged: string[] = [];
    const summary = await runIncremental({ source, lake, log: (line) => logged.push(line) });
    expect(summary.batchFiles).to.equal(1);
    expect(summary.silverRowsAdded).to.equal(1);
    const skipped = logged.filter((l) => l.startsWith('skipped source entry'));
    expect(skipped).to.have.length(2);
    expect(skipped.join('\n')).to.contain('events/stray.jsonl.gz (outside events/year=YYYY/month=MM/day=DD/hour=HH/)');
    expect(skipped.join('\n')).to.match(/year=2019.*partition year: expected an integer in 2024\.\.9999, got '2019'/);
  });

  it('quarantines a corrupt file as one entry, does not retry it unchanged, reprocesses it when it changes; empty files give 0 lines', async () => {
    const source = tempDir('corrupt');
    const lake = tempDir('corruptlake');
    const corruptKey = keyAt('2025-11-19T17:55:00Z');
    const gz = zlib.gzipSync(`${eventLine({ user_id: 'u_c1' })}\n${eventLine({ user_id: 'u_c2' })}\n`);
    writeSource(source, corruptKey, gz.subarray(0, gz.length - 12)); // truncated gzip
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), Buffer.alloc(0)); // 0 bytes
    writeSource(source, keyAt('2025-11-19T18:05:00Z'), []); // gzip of nothing
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ batchFiles: 3, linesRead: 0, bronzeRows: 0, silverRowsAdded: 0, recordsQuarantined: 0, corruptFiles: 1 });
    expect(s.quarantinedByReason).to.deep.equal({ corrupt_file: 1 });
    const ledger = await tableRows(
      lake,
      LAKE_TABLES.find((t) => t.id === 'bronze.file_ledger')!,
      'source_file',
    );
    expect(ledger.map((r) => [r.lines_read, r.records_quarantined, r.corrupt])).to.deep.equal([
      ['0', '1', true],
      ['0', '0', false],
      ['0', '0', false],
    ]);
    expectChecksPass(await runLocalChecks(lake));

    expect((await runIncremental({ source, lake })).batchFiles, 'unchanged corrupt file is not retried').to.equal(0);

    writeSource(source, corruptKey, gz);
    const fixed = await runIncremental({ source, lake });
    expect(fixed).to.include({ batchFiles: 1, linesRead: 2, silverRowsAdded: 2, corruptFiles: 0 });
    const q = await tableRows(
      lake,
      LAKE_TABLES.find((t) => t.id === 'quarantine.events')!,
      'source_file',
    );
    expect(q, 'the corrupt_file entry is replaced').to.deep.equal([]);
    expectChecksPass(await runLocalChecks(lake));
  });

  it('a run that crashes after writing some tables leaves a readable lake, and the next run completes it', async () => {
    const source = tempDir('crash');
    const lake = tempDir('crashlake');
    const reference = tempDir('crashref');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_a' }), eventLine({ user_id: 'u_b' })]);
    await runIncremental({ source, lake });
    await runIncremental({ source, lake: reference });
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [eventLine({ user_id: 'u_a' }), eventLine({ user_id: 'u_c', timestamp: '2025-11-19T17:59:00Z' })]);
    // Same steps, but the pipeline dies right after silver is written (gold and state not yet).
    const crashing = {
      ...manifest,
      steps: [...manifest.steps.slice(0, manifest.steps.findIndex((st) => st.name === 'silver') + 1), { name: 'boom', sql: 'sql/does-not-exist.sql' }],
    };
    let failed = false;
    try {
      await runIncremental({ source, lake, manifest: crashing });
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    const midway = await runLocalChecks(lake);
    expect(midway.filter((r) => r.kind === 'structural' && r.status !== 'pass')).to.deep.equal([]);

    const completed = await runIncremental({ source, lake });
    expect(completed.batchFiles).to.equal(1);
    expect(completed).to.include({ silverRowsAdded: 1, duplicatesDropped: 1 });
    await runIncremental({ source, lake: reference });
    expect(await runDeliverableQueries(lake)).to.deep.equal(await runDeliverableQueries(reference));
    expectChecksPass(await runLocalChecks(lake));
  });
});
