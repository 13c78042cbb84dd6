import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { listPartitionDirs } from '../../etl/local/partitions';
import { openDuck, sqlString } from '../../etl/local/duck';
import { goldUserActivity } from '../../etl/schema';
import { eventLine, keyAt, tempDir, writeSource } from '../helpers/source-files';
import type { CheckResult } from '../../etl/check-runtime';
import { verdictLine } from '../../cli/check';

const BIN = path.join(__dirname, '..', '..', 'bin', 'lakehouse.js');
const lakehouse = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('lakehouse run / query / check (CLI)', () => {
  let source: string;
  let lake: string;
  before(() => {
    source = tempDir('cli');
    lake = path.join(tempDir('clilake'), 'lake'); // created by run
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [
      eventLine({ user_id: 'u_1', event_type: 'page_view', quantity: null, price: null }),
      eventLine({ user_id: 'u_2', event_type: 'page_view', quantity: null, price: null }),
      eventLine({ user_id: 'u_1', event_type: 'add_to_cart' }),
      eventLine({ user_id: 'u_1' }),
      'not json',
    ]);
  });

  it('run processes the folder and prints the batch figures', () => {
    const res = lakehouse('run', '--source', source, '--lake', lake);
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/files 1 {2}lines 5 {2}bronze 4 {2}silver \+4 {2}duplicates dropped 0 {2}quarantined 1/);
    expect(res.stdout).to.match(/malformed_json=1/);
  });

  it('query --format json prints one object keyed 1..5 of row arrays', () => {
    const res = lakehouse('query', '--lake', lake, '--format', 'json');
    expect(res.status, res.stderr).to.equal(0);
    const out = JSON.parse(res.stdout) as Record<string, Array<Record<string, unknown>>>;
    expect(Object.keys(out)).to.deep.equal(['1', '2', '3', '4', '5']);
    expect(out['1'][0]).to.deep.equal({
      product_id: 'p_1001',
      category: 'electronics',
      views: 2,
      add_to_carts: 1,
      purchases: 1,
      view_to_cart_rate: 0.5,
      cart_to_purchase_rate: 1,
      view_to_purchase_rate: 0.5,
    });
    expect(out['5']).to.deep.equal([{ event_date: '2025-11-19', unique_users: 2, unique_sessions: 1, events: 4 }]);
  });

  it('query --format csv and table print every query', () => {
    const csv = lakehouse('query', '--lake', lake, '--format', 'csv');
    expect(csv.status, csv.stderr).to.equal(0);
    expect(csv.stdout).to.contain('event_date,event_hour,revenue,purchases,units\n2025-11-19,17,39.98,1,2');
    const table = lakehouse('query', '--lake', lake);
    expect(table.status).to.equal(0);
    expect(table.stdout.match(/^\d\. [a-z_]+: /gm)).to.have.length(5);
    // The shared number formats: rates as percentages, money with 2 decimals.
    expect(table.stdout).to.match(/^p_1001\s+electronics\s+2\s+1\s+1\s+50\.00%\s+100\.00%\s+50\.00%$/m);
    expect(table.stdout).to.match(/^2025-11-19\s+17\s+39\.98\s+1\s+2$/m);
    // CSV keeps rates as the query's fractions, for spreadsheets and scripts.
    expect(csv.stdout).to.contain('p_1001,electronics,2,1,1,0.5000,1.0000,0.5000');
  });

  it('check exits 0 on a sound lake and 1 naming the failed check on a tampered one', async () => {
    const ok = lakehouse('check', '--lake', lake);
    expect(ok.status, ok.stdout + ok.stderr).to.equal(0);
    const [rel] = listPartitionDirs(lake, goldUserActivity);
    const dir = path.join(lake, rel);
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    const duck = await openDuck();
    try {
      await duck.connection.run(
        `COPY (SELECT unique_users, unique_sessions, events + 1 AS events FROM read_parquet(${sqlString(file)}, hive_partitioning = false)) TO ${sqlString(`${file}.tmp`)} (FORMAT parquet)`,
      );
    } finally {
      duck.close();
    }
    fs.renameSync(`${file}.tmp`, file);
    const bad = lakehouse('check', '--lake', lake);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.contain('check gold_user_activity_matches_silver failed');
    expect(bad.stdout).to.match(/failed: gold_user_activity_matches_silver/);
  });

  it('missing folders and bad flags: one line naming the input, exit 2', () => {
    const missing = path.join(source, 'nope');
    for (const args of [
      ['run', '--source', missing, '--lake', lake],
      ['query', '--lake', missing],
      ['check', '--lake', missing],
      ['query', '--lake', lake, '--format', 'xml'],
      ['run', '--lake', lake],
    ]) {
      const res = lakehouse(...args);
      expect(res.status, args.join(' ')).to.equal(2);
      expect(res.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(res.stderr).to.match(/--(source|lake|format)/);
    }
  });
});

describe('lakehouse check: verdict line', () => {
  const result = (id: string, kind: CheckResult['kind'], status: CheckResult['status']): CheckResult => ({
    id,
    kind,
    status,
    failures: 0,
    rowsChecked: 1,
    observed: null,
  });

  it('counts invariants, reports observations apart, and names every failure', () => {
    const results = [
      result('a', 'data', 'pass'),
      result('b', 'structural', 'fail'),
      result('c', 'observation', 'observed'),
      result('d', 'observation', 'error'),
    ];
    const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
    expect(verdictLine(results, failed)).to.equal('1/2 checks passed or had no data; 2 observations reported (never failing); failed: b, d');
    expect(verdictLine(results.slice(0, 1), [])).to.equal('1/1 checks passed or had no data');
  });
});
