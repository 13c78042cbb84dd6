/**
 * How the local engine writes the lake: a batch only adds files, except for files the lake
 * already holds rows of; gold is summed from hourly building blocks; a run that fails or dies
 * leaves the lake exactly as before it.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { runIncremental } from '../../../etl/local/engine';
import { runLocalChecks } from '../../../etl/local/checks';
import { failsRun } from '../../../etl/check-runtime';
import { runDeliverableQueries } from '../../../etl/local/queries';
import { ETL_DIR, Manifest, manifest, ManifestStep, validateManifest } from '../../../etl/manifest';
import { openDuck, queryRows } from '../../../etl/local/duck';
import { filesInRange, tableSelectSql } from '../../../etl/local/lake';
import { listPartitionDirs, partitionFiles } from '../../../etl/local/partitions';
import { silverEvents } from '../../../etl/schema';
import { lakeFiles, runKilledAfterStep } from '../../helpers/killed-runs';
import { lakeContents, lakeDifferences } from '../../helpers/lake-contents';
import { eventLine, keyAt, tempDir, writeSource } from '../../helpers/source-files';

const inHour = (files: Map<string, string>, prefix: string) => [...files.keys()].filter((f) => f.startsWith(prefix));

function expectAllChecksPass(results: Awaited<ReturnType<typeof runLocalChecks>>): void {
  expect(results.filter(failsRun).map((r) => `${r.id}: ${r.observed}`)).to.deep.equal([]);
  expect(results.filter((r) => r.status === 'pass').length, 'checks that passed').to.be.greaterThan(10);
}

describe('local engine: what a batch writes', function () {
  this.timeout(120_000);

  it('a batch into an hour that already has data adds files and rewrites none of the ones there', async () => {
    const source = tempDir('append-src');
    const lake = tempDir('append-lake');
    writeSource(source, keyAt('2025-11-19T17:50:00Z'), [eventLine({ user_id: 'u_a' }), eventLine({ user_id: 'u_b', event_type: 'purchase' })]);
    await runIncremental({ source, lake });
    const before = lakeFiles(lake);
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_c' }), eventLine({ user_id: 'u_a' })]);
    const second = await runIncremental({ source, lake });
    const after = lakeFiles(lake);

    for (const prefix of ['bronze/events/', 'silver/events/']) {
      const old = inHour(before, prefix);
      expect(old, prefix).to.have.length(1);
      expect(after.get(old[0]), `${old[0]} untouched`).to.equal(before.get(old[0]));
      expect(inHour(after, prefix), prefix).to.have.length(2);
    }
    // one duplicate (u_a's identical event) dropped, not written again
    expect(second).to.include({ silverRowsAdded: 1, duplicatesDropped: 1 });
    // the daily gold is summed from the hour's blocks: every answer equals a lake built in one batch
    const oneBatch = tempDir('append-one');
    await runIncremental({ source, lake: oneBatch });
    expect(
      lakeDifferences(await lakeContents(lake, { omitColumns: ['ingested_at'] }), await lakeContents(oneBatch, { omitColumns: ['ingested_at'] }), [
        'two batches',
        'one batch',
      ]),
    ).to.deep.equal([]);
    expectAllChecksPass(await runLocalChecks(lake));
  });

  it('only the partitions of a file the lake already holds are rewritten when it is processed again', async () => {
    const source = tempDir('redo-src');
    const lake = tempDir('redo-lake');
    writeSource(source, keyAt('2025-11-19T16:50:00Z'), [eventLine({ user_id: 'u_a', timestamp: '2025-11-19T16:50:00Z' })]);
    writeSource(source, keyAt('2025-11-19T17:50:00Z'), [eventLine({ user_id: 'u_b' })]);
    await runIncremental({ source, lake });
    const before = lakeFiles(lake);
    const done = await lakeContents(lake, { omitColumns: ['ingested_at'] });
    // the processed-files state is lost (as after a crash between the lake commit and the state)
    const key = keyAt('2025-11-19T17:50:00Z');
    const statePath = path.join(lake, '_state');
    for (const name of fs.readdirSync(statePath).filter((n) => n.endsWith('.json'))) {
      const file = path.join(statePath, name);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(JSON.stringify(key), JSON.stringify(`${key}.forgotten`)));
    }
    const redo = await runIncremental({ source, lake });
    expect(redo.batchFiles).to.equal(1);
    const after = lakeFiles(lake);
    // the 16:00 hour (another file) is not touched; the 17:00 hour is rewritten, not appended to
    for (const prefix of ['bronze/events/year=2025/month=11/day=19/hour=16/', 'silver/events/event_date=2025-11-19/event_hour=16/']) {
      for (const f of inHour(before, prefix)) expect(after.get(f), f).to.equal(before.get(f));
    }
    for (const prefix of ['bronze/events/year=2025/month=11/day=19/hour=17/', 'silver/events/event_date=2025-11-19/event_hour=17/']) {
      expect(inHour(after, prefix), prefix).to.have.length(1);
      expect(inHour(after, prefix)).not.to.deep.equal(inHour(before, prefix));
    }
    expect(lakeDifferences(await lakeContents(lake, { omitColumns: ['ingested_at'] }), done, ['reprocessed', 'first run'])).to.deep.equal([]);
  });

  it('a run that fails after writing some tables leaves every file of the lake as it was', async () => {
    const source = tempDir('fail-src');
    const lake = tempDir('fail-lake');
    writeSource(source, keyAt('2025-11-19T17:50:00Z'), [eventLine({ user_id: 'u_a' })]);
    await runIncremental({ source, lake });
    const before = lakeFiles(lake);
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_b' })]);
    const boom = path.join(lake, '..', `${path.basename(lake)}-boom.sql`);
    fs.writeFileSync(boom, "SELECT CAST('not a number' AS INTEGER) AS n");
    const after = manifest.steps.findIndex((st) => st.name === 'gold_hourly_event_counts') + 1;
    const failing = { ...manifest, steps: [...manifest.steps.slice(0, after), { name: 'boom', sql: path.relative(ETL_DIR, boom) }] };
    let error: unknown;
    await runIncremental({ source, lake, manifest: failing }).catch((err) => (error = err));
    expect(String(error)).to.match(/not a number/);
    expect([...lakeFiles(lake)]).to.deep.equal([...before]);
    expect(fs.readdirSync(lake).filter((n) => n === '_trash' || n === '_staging')).to.deep.equal([]);
  });

  it('a run killed mid-write is rolled back by the next run, which then completes the batch', async function () {
    const source = tempDir('kill-src');
    const lake = tempDir('kill-lake');
    const reference = tempDir('kill-ref');
    writeSource(source, keyAt('2025-11-19T17:50:00Z'), [eventLine({ user_id: 'u_a' })]);
    await runIncremental({ source, lake });
    const before = lakeFiles(lake);
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_b' }), eventLine({ user_id: 'u_c', timestamp: '2025-11-19T18:01:00Z' })]);

    // Killed once silver and the ledger are written, before gold.
    await runKilledAfterStep({ source, lake }, 'gold_hourly_event_counts');
    expect([...lakeFiles(lake)], 'the killed run placed files').not.to.deep.equal([...before]);

    const logs: string[] = [];
    const completed = await runIncremental({ source, lake, log: (l) => logs.push(l) });
    expect(
      logs.some((l) => /rolled back 1 interrupted run/.test(l)),
      logs.join('\n'),
    ).to.equal(true);
    expect(completed).to.include({ batchFiles: 1, silverRowsAdded: 2, duplicatesDropped: 0 });
    await runIncremental({ source, lake: reference });
    expect(
      lakeDifferences(await lakeContents(lake, { omitColumns: ['ingested_at'] }), await lakeContents(reference, { omitColumns: ['ingested_at'] }), [
        'recovered',
        'reference',
      ]),
    ).to.deep.equal([]);
    expect(await runDeliverableQueries(lake)).to.deep.equal(await runDeliverableQueries(reference));
  });
});

/** The pipeline's manifest with one step edited (not validated). */
function withStep(name: string, edit: (step: ManifestStep) => ManifestStep): Manifest {
  return { ...manifest, steps: manifest.steps.map((s) => (s.name === name ? edit(s) : s)) };
}

describe("local engine: a read narrowed to the files of the batch's range (rangeOf)", function () {
  this.timeout(120_000);

  it("takes the files whose event times overlap the batch's range, by their footers, and none for a view without values", async () => {
    const source = tempDir('range-src');
    const lake = tempDir('range-lake');
    // three batches into one hour: one silver file each, at 17:10-17:12, 17:20 and 17:30
    const batches = [['17:10:00', '17:12:00'], ['17:20:00'], ['17:30:00']];
    for (const [i, times] of batches.entries()) {
      writeSource(
        source,
        keyAt(`2025-11-19T17:4${i}:00Z`),
        times.map((t, j) => eventLine({ timestamp: `2025-11-19T${t}.000Z`, user_id: `u_${i}_${j}` })),
      );
      await runIncremental({ source, lake, now: new Date(`2025-11-19T17:4${i}:30Z`) });
    }
    const files = partitionFiles(lake, listPartitionDirs(lake, silverEvents));
    expect(files).to.have.length(3);
    const duck = await openDuck();
    try {
      const conn = duck.connection;
      const timesOf = async (range: string[]) => {
        const values = range.map((t) => `(TIMESTAMP '2025-11-19 ${t}')`).join(', ') || '(NULL::TIMESTAMP)';
        await conn.run(`CREATE OR REPLACE VIEW batch AS SELECT * FROM (VALUES ${values}) AS v(event_ts)`);
        const kept = await filesInRange(conn, silverEvents, files, 'event_ts', 'batch');
        if (kept.length === 0) return [];
        const rows = await queryRows(conn, `SELECT strftime(event_ts, '%H:%M') AS t FROM (${tableSelectSql(silverEvents, kept)}) ORDER BY 1`);
        return rows.map((r) => r.t);
      };
      expect(await timesOf(['17:11:00'])).to.deep.equal(['17:10', '17:12']);
      expect(await timesOf(['17:20:00', '17:29:59.999'])).to.deep.equal(['17:20']);
      expect(await timesOf(['17:12:00', '17:30:00'])).to.deep.equal(['17:10', '17:12', '17:20', '17:30']);
      expect(await timesOf(['17:12:00.001', '17:19:59.999'])).to.deep.equal([]);
      expect(await timesOf([])).to.deep.equal([]);
    } finally {
      duck.close();
    }
  });

  it('is refused unless the column is a timestamp, date or number column of the table', () => {
    const withRange = (rangeOf: string) => withStep('silver_keys', (s) => ({ ...s, read: { ...s.read!, rangeOf } }));
    expect(() => validateManifest(withRange('user_id'))).to.throw(
      "manifest step 'silver_keys': rangeOf 'user_id' is not a timestamp, date or number column of silver.events",
    );
    expect(() => validateManifest(withRange('no_such_column'))).to.throw("rangeOf 'no_such_column'");
    expect(validateManifest(withRange('price')).steps.find((s) => s.name === 'silver_keys')!.read!.rangeOf).to.equal('price');
  });

  it('is refused on a read whose partitions a write replaces: the rows it leaves out would be lost', () => {
    const appendOverRanged = withStep('silver', (s) => ({ ...s, replacing: 'silver_keys' }));
    expect(() => validateManifest(appendOverRanged)).to.throw(
      "manifest step 'silver': replaces what read step 'silver_keys' loaded, which leaves rows out (rangeOf)",
    );
    const replaceOverRanged = withStep('hour_event_counts', (s) => ({ ...s, read: { ...s.read!, rangeOf: 'events' } }));
    expect(() => validateManifest(replaceOverRanged)).to.throw("manifest step 'gold_hourly_event_counts': replaces what read step 'hour_event_counts' loaded");
  });

  it('still drops a re-delivered event whose time is a bound of the files kept', async () => {
    const source = tempDir('range-dup-src');
    const lake = tempDir('range-dup-lake');
    const first = eventLine({ timestamp: '2025-11-19T17:10:00.000Z', user_id: 'u_first' });
    const last = eventLine({ timestamp: '2025-11-19T17:12:00.000Z', user_id: 'u_last' });
    writeSource(source, keyAt('2025-11-19T17:40:00Z'), [first, last]);
    writeSource(source, keyAt('2025-11-19T17:41:00Z'), [eventLine({ timestamp: '2025-11-19T17:20:00.000Z', user_id: 'u_other' })]);
    await runIncremental({ source, lake, maxFiles: 1 });
    await runIncremental({ source, lake, maxFiles: 1 });
    writeSource(source, keyAt('2025-11-19T17:42:00Z'), [last, eventLine({ timestamp: '2025-11-19T17:30:00.000Z', user_id: 'u_new' }), first]);
    expect(await runIncremental({ source, lake })).to.include({ silverRowsAdded: 1, duplicatesDropped: 2 });
  });
});
