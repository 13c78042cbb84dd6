/**
 * The shared validation checks run by the local engine on real lakes: tampering inside the
 * window fails the run, tampering outside it is not read, data at the window's edge never fails
 * a check, and observations report their figure without ever failing.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { CHECKS, checkTables, failsRun } from '../../../etl/checks';
import { runIncremental } from '../../../etl/local/engine';
import { lakeDays, localCheckDefinitions, localCheckWindow, runLocalChecks } from '../../../etl/local/checks';
import { listPartitionDirs } from '../../../etl/local/partitions';
import { goldHourlyRevenue, LAKE_TABLES, silverEvents } from '../../../etl/schema';
import { addOneToRevenue, buildLake, buildTwoDayLake, duplicateOneRow, tamper } from '../../helpers/check-lakes';
import { eventLine, keyAt, tempDir, writeSource } from '../../helpers/source-files';

type Results = Awaited<ReturnType<typeof runLocalChecks>>;
const failedIds = (results: Results) => results.filter(failsRun).map((r) => r.id);
const byId = (results: Results, id: string) => results.find((r) => r.id === id);
const partitionOf = (lake: string, table: typeof silverEvents, day: string) => {
  const dirs = listPartitionDirs(lake, table).filter((d) => d.includes(`event_date=${day}`));
  expect(dirs, `${table.id} partitions of ${day}`).to.not.deep.equal([]);
  return dirs[0];
};

describe('validation checks on a local lake', () => {
  it('every check refers only to known tables and has a unique id', () => {
    const defs = localCheckDefinitions();
    expect(new Set(defs.map((d) => d.id)).size).to.equal(defs.length);
    for (const d of CHECKS) expect(checkTables(d.sql).length, d.id).to.be.greaterThan(0);
    expect(defs.filter((d) => d.id.startsWith('query_'))).to.have.length(5);
  });

  it('splits the checks into structural checks, data invariants and observations', () => {
    const ids = (kind: string) => CHECKS.filter((c) => c.kind === kind).map((c) => c.id);
    expect(ids('observation')).to.deep.equal(['conversion_rates_within_bounds', 'quarantine_share']);
    expect(ids('data')).to.include.members([
      'reconciliation',
      'silver_unique_event',
      'silver_partitions_match_event_time',
      'gold_product_funnel_matches_silver',
      'gold_user_activity_matches_silver',
    ]);
    expect(ids('structural')).to.have.length(LAKE_TABLES.length);
  });

  it('structural checks pass and data checks and observations report no-data on an empty lake', async () => {
    const lake = tempDir('empty');
    await runIncremental({ source: tempDir('emptysrc'), lake });
    const results = await runLocalChecks(lake);
    expect(results.filter((r) => r.kind === 'structural').every((r) => r.status === 'pass')).to.equal(true);
    expect(results.filter((r) => r.kind !== 'structural').map((r) => `${r.id}:${r.status}`)).to.satisfy((s: string[]) =>
      s.every((x) => x.endsWith(':no-data')),
    );
  });

  it('all invariants pass on a freshly built lake, and the observations report their figures', async () => {
    const lake = await buildLake();
    const results = await runLocalChecks(lake);
    expect(failedIds(results)).to.deep.equal([]);
    expect(results.filter((r) => r.status === 'pass').length).to.be.greaterThan(15);
    expect(byId(results, 'quarantine_share')).to.include({ status: 'observed', failures: 1, rowsChecked: 11 });
    expect(byId(results, 'quarantine_share')?.observed).to.match(/^quarantined=1 of lines_read=11 \(9\.09%\) duplicates=1$/);
    expect(byId(results, 'reconciliation')?.observed).to.match(/files=2 lines_read=11 silver=9 duplicates=1 quarantined=1 files_checked_one_way=0/);
  });

  it('fail, naming the check, when one silver row is duplicated', async () => {
    const lake = await buildLake();
    const [rel] = listPartitionDirs(lake, silverEvents);
    await tamper(lake, rel, duplicateOneRow);
    const results = await runLocalChecks(lake);
    expect(failedIds(results)).to.include.members(['silver_unique_event', 'reconciliation']);
    expect(byId(results, 'silver_unique_event')).to.include({ status: 'fail', failures: 1 });
    expect(byId(results, 'silver_unique_event')?.message).to.match(/silver_unique_event/);
  });

  it('fail, naming the check, when a gold total is altered', async () => {
    const lake = await buildLake();
    const [rel] = listPartitionDirs(lake, goldHourlyRevenue);
    await tamper(lake, rel, addOneToRevenue);
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

  it('an observation never fails the run, even when its figure is out of bounds', async () => {
    // One view, no add-to-cart, two purchases: the overall view-to-purchase rate is 2. Valid data.
    const source = tempDir('obs');
    const lake = tempDir('obslake');
    writeSource(source, keyAt('2025-11-19T10:00:00Z'), [
      eventLine({ timestamp: '2025-11-19T09:01:00Z', event_type: 'page_view', quantity: null, price: null }),
      eventLine({ timestamp: '2025-11-19T09:02:00Z', event_type: 'purchase', user_id: 'u_2' }),
      eventLine({ timestamp: '2025-11-19T09:03:00Z', event_type: 'purchase', user_id: 'u_3' }),
    ]);
    await runIncremental({ source, lake });
    const results = await runLocalChecks(lake);
    const rates = byId(results, 'conversion_rates_within_bounds');
    expect(rates).to.include({ status: 'observed', failures: 1 });
    expect(rates?.observed).to.match(/view_to_purchase=2\.0000 .*products with a rate above 1: 1$/);
    expect(failedIds(results)).to.deep.equal([]);
  });
});

describe('windowed validation checks', () => {
  it('the local window is every day the lake holds, or the last N of them', async () => {
    const lake = await buildTwoDayLake();
    // The late event of 2025-11-10 has a silver and a gold partition of its own.
    expect(lakeDays(lake)).to.deep.equal({ firstDay: '2025-11-10', lastDay: '2025-11-19' });
    expect(localCheckWindow(lake)).to.deep.equal({ firstDay: '2025-11-10', lastDay: '2025-11-19' });
    expect(localCheckWindow(lake, { windowDays: 1 })).to.deep.equal({ firstDay: '2025-11-19', lastDay: '2025-11-19' });
    expect(localCheckWindow(lake, { windowDays: 2, window: { firstDay: '2025-11-18', lastDay: '2025-11-18' } })).to.deep.equal({
      firstDay: '2025-11-18',
      lastDay: '2025-11-18',
    });
  });

  it('events across the window edge, on either side, fail nothing', async () => {
    const lake = await buildTwoDayLake();
    for (const options of [{}, { windowDays: 1 }, { window: { firstDay: '2025-11-18', lastDay: '2025-11-18' } }]) {
      const results = await runLocalChecks(lake, undefined, options);
      expect(failedIds(results), JSON.stringify(options)).to.deep.equal([]);
      expect(
        results.filter((r) => r.kind === 'data').every((r) => r.status === 'pass'),
        JSON.stringify(options),
      ).to.equal(true);
    }
    // On the last day only, the 00:00 file's silver rows are not all in the days read: checked one way.
    const lastDay = await runLocalChecks(lake, undefined, { windowDays: 1 });
    expect(byId(lastDay, 'reconciliation')?.observed).to.match(/^files=2 .*files_checked_one_way=1$/);
  });

  it('ignore tampering outside the window and catch it inside', async () => {
    const lake = await buildTwoDayLake();
    await tamper(lake, partitionOf(lake, silverEvents, '2025-11-18'), duplicateOneRow);
    await tamper(lake, partitionOf(lake, goldHourlyRevenue, '2025-11-18'), addOneToRevenue);
    expect(failedIds(await runLocalChecks(lake, undefined, { windowDays: 1 }))).to.deep.equal([]);
    expect(failedIds(await runLocalChecks(lake, undefined, { windowDays: 2 }))).to.include.members([
      'silver_unique_event',
      'gold_hourly_revenue_matches_silver',
      'reconciliation',
    ]);
    expect(failedIds(await runLocalChecks(lake))).to.include.members(['silver_unique_event', 'gold_hourly_revenue_matches_silver']);
  });

  it('catch silver rows lost inside the window through reconciliation', async () => {
    const lake = await buildTwoDayLake();
    const lost = listPartitionDirs(lake, silverEvents).filter((d) => d.includes('event_date=2025-11-19') && d.endsWith('event_hour=8'));
    expect(lost).to.have.length(1);
    fs.rmSync(path.join(lake, lost[0]), { recursive: true });
    const results = await runLocalChecks(lake, undefined, { windowDays: 1 });
    expect(failedIds(results)).to.include('reconciliation');
    expect(byId(results, 'reconciliation')?.failures).to.equal(1);
  });
});
