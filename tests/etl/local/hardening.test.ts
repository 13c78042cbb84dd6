/**
 * The local engine against a hostile but realistic user: folders that are not lakes, paths with
 * glob characters or partition-looking parents, concurrent runs, source entries the engine cannot
 * or must not read, and input built to exhaust memory.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { failsRun } from '../../../etl/check-runtime';
import { loadBatch, runIncremental } from '../../../etl/local/engine';
import { runLocalChecks } from '../../../etl/local/checks';
import { openDuck, queryRows } from '../../../etl/local/duck';
import { InputError } from '../../../etl/local/errors';
import { localTableName, registerLakeViews, tableRowCounts } from '../../../etl/local/lake';
import { rollbackRun } from '../../../etl/local/partitions';
import { LAKE_MARKER, TRASH_DIR } from '../../../etl/local/paths';
import { runDeliverableQueries } from '../../../etl/local/queries';
import { copyPlainText, DEFAULT_READ_BOUNDS, ReadBounds, readSourceLines, scanSource } from '../../../etl/local/source';
import { acquireLock, LakeState, loadState } from '../../../etl/local/state';
import { manifest } from '../../../etl/manifest';
import { bronzeFileLedger, quarantineEvents, silverEvents } from '../../../etl/schema';
import { eventLine, keyAt, tempDir, writeSource } from '../../helpers/source-files';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The error a promise or function rejects with (fails the test when it does not). */
async function failure(action: () => unknown): Promise<Error> {
  try {
    await action();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, the action succeeded');
}

/** Every file under a folder, relative, sorted. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

async function silverUsers(lake: string): Promise<Array<[unknown, unknown]>> {
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    const rows = await queryRows(duck.connection, `SELECT user_id, CAST(event_date AS VARCHAR) AS d FROM ${localTableName(silverEvents)} ORDER BY user_id`);
    return rows.map((r) => [r.user_id, r.d]);
  } finally {
    duck.close();
  }
}

/** Runs JavaScript (with the TypeScript sources loadable) as user nobody, so that permissions apply. */
function runAsNobody(code: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', code], { cwd: ROOT, uid: 65534, gid: 65534, encoding: 'utf8' });
}

const asRoot = process.getuid?.() === 0;

describe('local engine hardening: the lake folder', () => {
  it('refuses a non-empty folder that is not a lake and leaves every file of it in place', async () => {
    const source = tempDir('hs');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const mine = tempDir('mine');
    const files = ['_staging/thesis.txt', '_trash/run/keep.txt', 'silver/events/event_date=2025-11-19/event_hour=17/my.parquet.txt', 'notes.txt'];
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(mine, f)), { recursive: true });
      fs.writeFileSync(path.join(mine, f), f);
    }
    const err = await failure(() => runIncremental({ source, lake: mine }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.contain(`'${mine}' is not empty and is not a lake`);
    expect(listTree(mine)).to.deep.equal([...files].sort());
  });

  it('refuses the file-system root, the source folder, a lake inside the source and a source inside the lake, creating nothing', async () => {
    const source = tempDir('hs2');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const outer = tempDir('outer');
    const inner = path.join(outer, 'src');
    writeSource(inner, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const before = listTree(source);
    const cases: Array<[string, string, RegExp]> = [
      [source, '/', /is the root of the file system/],
      [source, source, /is the source folder/],
      [source, path.join(source, 'events', 'lake'), /is inside the source folder/],
      [source, `${source}/./`, /is the source folder/],
      [inner, outer, /is inside the lake folder/],
    ];
    for (const [src, lake, why] of cases) {
      const err = await failure(() => runIncremental({ source: src, lake }));
      expect(err, lake).to.be.instanceOf(InputError);
      expect(err.message, lake).to.match(why);
    }
    expect(listTree(source)).to.deep.equal(before);
    expect(fs.existsSync(path.join('/', LAKE_MARKER))).to.equal(false);
  });

  it('marks a new lake and accepts an empty folder; readers refuse a folder that is not a lake', async () => {
    const source = tempDir('hs3');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const empty = tempDir('empty');
    for (const readAll of [tableRowCounts, runDeliverableQueries, runLocalChecks] as Array<(lake: string) => Promise<unknown>>) {
      for (const notALake of [empty, source, '/etc']) {
        const err = await failure(() => readAll(notALake));
        expect(err, notALake).to.be.instanceOf(InputError);
        expect(err.message).to.match(/is not a lake/);
      }
    }
    const created = path.join(tempDir('new'), 'lake');
    for (const lake of [created, empty]) {
      expect((await runIncremental({ source, lake })).batchFiles).to.equal(1);
      expect(fs.existsSync(path.join(lake, LAKE_MARKER)), lake).to.equal(true);
      expect((await tableRowCounts(lake))['silver.events']).to.equal(1);
    }
  });

  it('a damaged Parquet file fails only what reads its table, with one line naming the file: check lists every check', async () => {
    const source = tempDir('dmg');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const lake = tempDir('dmglake');
    await runIncremental({ source, lake });
    const healthy = await runLocalChecks(lake);
    const dir = path.join(lake, 'silver/events/event_date=2025-11-19/event_hour=17');
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    fs.writeFileSync(file, 'not parquet');
    const results = await runLocalChecks(lake);
    expect(results.map((r) => r.id)).to.deep.equal(healthy.map((r) => r.id));
    const errors = results.filter((r) => r.status === 'error');
    expect(errors.length).to.be.greaterThan(0);
    for (const r of errors) expect(r.message, r.id).to.contain('silver.events cannot be read').and.contain(file);
    expect(results.filter((r) => r.status === 'pass').length, 'checks of other tables still run').to.be.greaterThan(0);
    expect((await runDeliverableQueries(lake)).length, 'the queries read gold only').to.equal(5);
  });

  it('the CLI refuses a non-lake folder for check and query, and a path through a file for run: one line, exit 2', () => {
    const source = tempDir('hs4');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const file = path.join(tempDir('file'), 'plain.txt');
    fs.writeFileSync(file, 'x');
    const bin = path.join(ROOT, 'bin', 'lakehouse.js');
    for (const args of [
      ['check', '--lake', tempDir('e1')],
      ['query', '--lake', source],
      ['run', '--source', source, '--lake', path.join(file, 'sub')],
      ['run', '--source', source, '--lake', source],
    ]) {
      const res = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      expect(res.status, `${args.join(' ')}: ${res.stdout}${res.stderr}`).to.equal(2);
      expect(res.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(res.stdout, args.join(' ')).to.not.match(/checks passed/);
    }
  });

  it('reports an unwritable lake folder in one line naming the path (as a user without permission)', function () {
    if (!asRoot) this.skip();
    const source = tempDir('hs5');
    fs.chmodSync(source, 0o755);
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const lake = tempDir('ro'); // owned by root, mode 700: nobody may not write it
    const res = runAsNobody(
      `require('./etl/local/engine').runIncremental({ source: ${JSON.stringify(source)}, lake: ${JSON.stringify(lake)} })` +
        `.then(() => console.log('ran'), (e) => console.log(JSON.stringify({ input: e.exitCode === 2, message: e.message })))`,
    );
    const out = JSON.parse(res.stdout.trim()) as { input: boolean; message: string };
    expect(out.input, out.message).to.equal(true);
    expect(out.message).to.contain(lake);
    expect(out.message.split('\n')).to.have.length(1);
  });
});

describe('local engine hardening: the run lock', () => {
  const lockFile = (lake: string) => path.join(lake, '_state', 'run.lock');
  const writeLock = (lake: string, content: string) => {
    fs.mkdirSync(path.join(lake, '_state'), { recursive: true });
    fs.writeFileSync(lockFile(lake), content);
  };

  it('is created with its owner identity in one step and refuses a second taker until released', () => {
    const lake = tempDir('lock');
    const release = acquireLock(lake);
    const owner = JSON.parse(fs.readFileSync(lockFile(lake), 'utf8')) as Record<string, unknown>;
    expect(owner).to.include({ pid: process.pid, host: os.hostname() });
    expect(owner.token).to.be.a('string');
    expect(() => acquireLock(lake)).to.throw(InputError, /is locked by the run of pid/);
    release();
    expect(fs.existsSync(lockFile(lake))).to.equal(false);
    acquireLock(lake)();
    expect(fs.readdirSync(path.join(lake, '_state'))).to.deep.equal([]);
  });

  it('never takes over a lock whose content is not an owner (an empty lock being written), nor one from another host', () => {
    const lake = tempDir('lock2');
    for (const content of ['', '12345', JSON.stringify({ host: `not-${os.hostname()}`, pid: 999999, token: 't', since: 'x' })]) {
      writeLock(lake, content);
      expect(() => acquireLock(lake), content).to.throw(InputError, /is locked by/);
      expect(fs.readFileSync(lockFile(lake), 'utf8')).to.equal(content);
    }
  });

  it('takes over a lock whose owner is provably gone: exited, zombie, or its pid reused by another process', async () => {
    const lake = tempDir('lock3');
    const owner = (pid: number, startTime?: string) => JSON.stringify({ host: os.hostname(), pid, startTime, token: 'old', since: 'then' });
    // an exited process: a child that has been reaped
    const exited = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(exited.stdout.trim());
    writeLock(lake, owner(deadPid));
    acquireLock(lake)();
    // a zombie: the background child of a process that never waits for it
    // (the background sleep ends after bash became `sleep 30`, which never reaps it)
    const parent = spawn('bash', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number((await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString())))).trim());
      const state = () => /\) (\S)/.exec(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8'))?.[1];
      for (let i = 0; i < 200 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(state(), 'the test could not make a zombie').to.equal('Z');
      writeLock(lake, owner(zombie));
      acquireLock(lake)();
      // a live process is not gone
      writeLock(lake, owner(parent.pid!));
      expect(() => acquireLock(lake)).to.throw(InputError, /is locked by/);
    } finally {
      parent.kill();
    }
    // this very pid, but recorded with another start time: the pid was reused
    writeLock(lake, owner(process.pid, '1'));
    acquireLock(lake)();
    // what a killed run left in _state/ besides the lock goes with it
    for (const name of [`run.lock.${deadPid}.0a1b.tmp`, `processed-files.json.${deadPid}.tmp`]) fs.writeFileSync(path.join(lake, '_state', name), '');
    writeLock(lake, owner(deadPid));
    acquireLock(lake)();
    expect(fs.readdirSync(path.join(lake, '_state'))).to.deep.equal([]);
    // a stale lock whose remover died too: both are cleared; while a live run removes it, nobody else does
    writeLock(lake, owner(deadPid));
    fs.writeFileSync(`${lockFile(lake)}.break`, owner(deadPid));
    acquireLock(lake)();
    writeLock(lake, owner(deadPid));
    fs.writeFileSync(`${lockFile(lake)}.break`, owner(process.pid));
    expect(() => acquireLock(lake)).to.throw(InputError, /could not take the run lock/);
    expect(fs.existsSync(lockFile(lake))).to.equal(true);
  });

  it('lets exactly one of several runs started at the same moment take it', async () => {
    const lake = tempDir('race');
    const sync = tempDir('race-sync');
    const n = 4;
    // Each child says it is ready, waits for 'go', tries once, says it is done; the winner holds
    // the lock until every child is done, so every attempt meets a held lock but one.
    const script = (i: number) =>
      `const fs = require('fs'); const { acquireLock } = require('./etl/local/state');` +
      `const sync = ${JSON.stringify(sync)}; const wait = (f) => { while (!f()) {} };` +
      `fs.writeFileSync(sync + '/ready-${i}', ''); wait(() => fs.existsSync(sync + '/go'));` +
      `let release; try { release = acquireLock(${JSON.stringify(lake)}); } catch (e) { console.log('lost ' + e.message); }` +
      `fs.writeFileSync(sync + '/done-${i}', ''); if (release) { console.log('won'); wait(() => fs.readdirSync(sync).filter((f) => f.startsWith('done-')).length === ${n}); release(); }`;
    const outputs = Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script(i)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.on('close', () => resolve(out.trim()));
          }),
      ),
    );
    while (fs.readdirSync(sync).length < n) await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(path.join(sync, 'go'), '');
    const results = await outputs;
    expect(
      results.filter((o) => o === 'won'),
      results.join('\n'),
    ).to.have.length(1);
    expect(
      results.filter((o) => o.startsWith('lost') && o.includes('is locked by')),
      results.join('\n'),
    ).to.have.length(n - 1);
    expect(fs.existsSync(lockFile(lake))).to.equal(false);
  });
});

describe('local engine hardening: a changed source file end to end', () => {
  it('keeps every row the lake holds for a changed file (an event whose duplicate sits in a later file stays in silver) and quarantines the change once', async () => {
    const source = tempDir('chg');
    const lake = tempDir('chglake');
    const first = keyAt('2025-11-19T17:55:00Z');
    const e1 = eventLine({ user_id: 'u_e1', event_type: 'page_view', quantity: null, price: null });
    const e2 = eventLine({ user_id: 'u_e2', event_type: 'page_view', quantity: null, price: null });
    writeSource(source, first, [e1, e2]);
    await runIncremental({ source, lake });
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [e2]); // a duplicate of E2, dropped
    expect(await runIncremental({ source, lake })).to.include({ duplicatesDropped: 1 });
    writeSource(source, first, [e1]); // rewritten without E2
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ batchFiles: 1, changedFiles: 1, silverRowsAdded: 0 });
    expect(await silverUsers(lake)).to.deep.equal([
      ['u_e1', '2025-11-19'],
      ['u_e2', '2025-11-19'],
    ]);
    const duck = await openDuck();
    try {
      await registerLakeViews(duck.connection, lake);
      const q = await queryRows(duck.connection, `SELECT source_file, detail FROM ${localTableName(quarantineEvents)} WHERE reason = 'changed_file'`);
      expect(q).to.have.length(1);
      expect(q[0].source_file).to.equal(first);
      expect(String(q[0].detail)).to.match(/^processed sha256 [0-9a-f]{64}, now sha256 [0-9a-f]{64}$/);
    } finally {
      duck.close();
    }
    expect((await runIncremental({ source, lake })).batchFiles, 'reported once').to.equal(0);
    const failed = (await runLocalChecks(lake)).filter(failsRun);
    expect(
      failed.map((r) => `${r.id}: ${r.message}`),
      'invariants with a changed file',
    ).to.deep.equal([]);
  });
});

/** The batch views loadBatch registers for the given source files (key -> gzipped bytes), on a new lake. */
async function batchViews(files: Record<string, Buffer>, bounds: ReadBounds = DEFAULT_READ_BOUNDS) {
  const source = tempDir('views');
  for (const [key, bytes] of Object.entries(files)) writeSource(source, key, bytes);
  return batchViewsOf(source, { version: 1, files: {} }, bounds);
}

/** batch_files and batch_lines as the next run with this state would register them. */
async function batchViewsOf(source: string, state: LakeState, bounds: ReadBounds = DEFAULT_READ_BOUNDS) {
  const scan = scanSource(source, state);
  const duck = await openDuck();
  try {
    await loadBatch(duck.connection, scan.batch, new Date('2025-11-19T18:00:00Z'), tempDir('batch-text'), bounds);
    return {
      files: await queryRows(duck.connection, 'SELECT source_file, read_problem, read_error FROM batch_files ORDER BY source_file'),
      // U+FEFF shown as <BOM>: the Node API's text decoding drops one at the start of a value
      lines: await queryRows(
        duck.connection,
        "SELECT source_file, replace(line, chr(65279), '<BOM>') AS line, line_problem FROM batch_lines ORDER BY source_file, rowid",
      ),
    };
  } finally {
    duck.close();
  }
}

describe('local engine hardening: reading source files', () => {
  const A = keyAt('2025-11-19T17:55:00Z');
  const B = keyAt('2025-11-19T18:00:00Z');
  const gz = (...parts: Array<string | Buffer>) => zlib.gzipSync(Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8')))));

  it('keeps raw bytes exactly: invalid UTF-8 as base64 (bad_encoding), the BOM at the file start removed, CRLF stripped, blank lines left out', async () => {
    const bad = [Buffer.from([0x7b, 0x22, 0x75, 0xff, 0x22, 0x7d]), Buffer.from([0x7b, 0x22, 0x75, 0xfe, 0x22, 0x7d]), Buffer.from([0xc3, 0x28])];
    const first = eventLine({ user_id: 'u_bom' });
    const views = await batchViews({
      [A]: gz('\ufeff', first, '\r\n', bad[0], '\n', bad[1], '\r\n', '\n', '   \n', bad[2], '\n', '\ufeffsecond\n', 'last-no-terminator'),
    });
    expect(views.lines.map((l) => [l.line, l.line_problem])).to.deep.equal([
      [first, null],
      [bad[0].toString('base64'), 'bad_encoding'],
      [bad[1].toString('base64'), 'bad_encoding'],
      [bad[2].toString('base64'), 'bad_encoding'],
      ['<BOM>second', null], // a BOM is removed only at the start of a file
      ['last-no-terminator', null],
    ]);
    expect(Buffer.from(String(views.lines[1].line), 'base64').equals(bad[0])).to.equal(true);
    expect(views.files).to.deep.equal([{ source_file: A, read_problem: null, read_error: null }]);
  });

  it('bounds each line (line_too_long keeps the first bytes) and each file (file_too_large, none of its lines kept); the rest of the batch goes on', async () => {
    const max = 64;
    const long = 'x'.repeat(max + 1);
    const exact = 'y'.repeat(max);
    const views = await batchViews(
      {
        [A]: gz(exact, '\r\n', long, '\n', 'z'.repeat(10 * max), '\nok\n'),
        [B]: gz(`${'{"a": 1}\n'.repeat(200)}`),
      },
      { maxLineBytes: max, maxFileBytes: 1000 },
    );
    expect(views.lines.map((l) => [l.source_file, l.line, l.line_problem])).to.deep.equal([
      [A, exact, null],
      [A, Buffer.from(long.slice(0, max)).toString('base64'), 'line_too_long'],
      [A, Buffer.from('z'.repeat(max)).toString('base64'), 'line_too_long'],
      [A, 'ok', null],
    ]);
    expect(views.files.map((f) => [f.source_file, f.read_problem])).to.deep.equal([
      [A, null],
      [B, 'file_too_large'],
    ]);
    expect(String(views.files[1].read_error)).to.contain('1000 bytes');
  });

  it('quarantines past a bound with its own reason, the raw bytes recoverable, and processes the rest of the batch', async () => {
    const source = tempDir('bounds');
    const lake = tempDir('boundslake');
    const invalid = Buffer.concat([Buffer.from(eventLine({ user_id: 'u_' })), Buffer.from([0xff])]);
    writeSource(source, A, gz(eventLine({ user_id: 'u_ok' }), '\n', eventLine({ user_id: `u_${'x'.repeat(300)}` }), '\n', invalid, '\n'));
    writeSource(source, B, gz(`${eventLine({ user_id: 'u_big' })}\n`.repeat(50)));
    const s = await runIncremental({ source, lake, maxLineBytes: 300, maxFileBytes: 4000 });
    expect(s).to.include({ batchFiles: 2, linesRead: 3, silverRowsAdded: 1, tooLargeFiles: 1 });
    expect(s.quarantinedByReason).to.deep.equal({ bad_encoding: 1, line_too_long: 1, file_too_large: 1 });
    const duck = await openDuck();
    try {
      await registerLakeViews(duck.connection, lake);
      const [row] = await queryRows(duck.connection, `SELECT raw_line FROM ${localTableName(quarantineEvents)} WHERE reason = 'bad_encoding'`);
      expect(Buffer.from(String(row.raw_line), 'base64').equals(invalid)).to.equal(true);
    } finally {
      duck.close();
    }
  });

  it('loads plain text through the CSV reader and every other file line by line, with the lines readSourceLines gives either way', async () => {
    const bounds = { maxLineBytes: 64, maxFileBytes: 1 << 24 };
    // Lines spanning the decompressor's 64 KiB chunks, multi-byte characters across chunk edges.
    const spanning = Array.from({ length: 4000 }, (_, i) => `{"n": ${i}, "t": "caf\u00e9 \u20ac \ud834\udd1e"}`).join('\n');
    const cases: Array<{ name: string; gzip: Buffer; plain: boolean }> = [
      {
        name: 'text the CSV reader could take apart',
        gzip: gz('{"a": "x,y;z|w\\tq"}\n\n   \n  lead and trail  \n"quoted" \\"x\\" \\\\\n\t\n#not a comment\nNULL\n', 'y'.repeat(64), '\nno final newline'),
        plain: true,
      },
      { name: 'several gzip members', gzip: Buffer.concat([gz('one\ntw'), gz('o\nthree\n')]), plain: true },
      { name: 'a byte order mark inside the file', gzip: gz('a\n\ufeffb\n'), plain: true },
      { name: 'lines across chunks', gzip: gz(spanning), plain: true },
      { name: 'only newlines', gzip: gz('\n\n\n'), plain: true },
      { name: 'a 0-byte file', gzip: Buffer.alloc(0), plain: true },
      { name: 'a line one byte over the bound', gzip: gz('ok\n', 'x'.repeat(65), '\n'), plain: false },
      { name: 'a last line over the bound', gzip: gz('ok\n', 'x'.repeat(65)), plain: false },
      { name: 'CRLF', gzip: gz('a\r\nb\r\n'), plain: false },
      { name: 'a carriage return inside a line', gzip: gz('a\rb\n'), plain: false },
      { name: 'a NUL byte', gzip: gz('a\u0000b\n'), plain: false },
      { name: 'a 0x01 byte', gzip: gz('a\u0001b\nc\n'), plain: false },
      { name: 'a byte order mark', gzip: gz('\ufeffa\n'), plain: false },
      { name: 'invalid UTF-8', gzip: gz('ok\n', Buffer.from([0xc3, 0x28]), '\n'), plain: false },
      { name: 'invalid UTF-8 in a last line', gzip: gz('ok\n', Buffer.from([0xc3])), plain: false },
    ];
    const dir = tempDir('plain');
    const mismatches: string[] = [];
    for (const [i, c] of cases.entries()) {
      const key = keyAt(new Date(Date.UTC(2025, 10, 19, 17, i)).toISOString());
      const file = path.join(dir, `${i}.jsonl.gz`);
      fs.writeFileSync(file, c.gzip);
      const copied = await copyPlainText(file, bounds, path.join(dir, `${i}.txt`));
      if (!('plain' in copied) || copied.plain !== c.plain) mismatches.push(`${c.name}: copyPlainText says ${JSON.stringify(copied)}`);
      const expected: Array<[string, string | null]> = [];
      // U+FEFF as batchViews shows it
      await readSourceLines(
        file,
        bounds,
        (lines) => void expected.push(...lines.map((l): [string, string | null] => [l.line.replace(/\ufeff/g, '<BOM>'), l.problem])),
      );
      const views = await batchViews({ [key]: c.gzip }, bounds);
      const loaded = views.lines.map((l) => [l.line, l.line_problem]);
      if (JSON.stringify(loaded) !== JSON.stringify(expected)) mismatches.push(`${c.name}: loaded ${JSON.stringify(loaded)}, read ${JSON.stringify(expected)}`);
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('a corrupt file keeps none of the lines read before the error', async () => {
    const whole = gz(`${eventLine()}\n`.repeat(5000));
    const views = await batchViews({ [A]: whole.subarray(0, Math.floor(whole.length * 0.8)), [B]: gz('fine\n') });
    expect(views.files.map((f) => [f.source_file, f.read_problem])).to.deep.equal([
      [A, 'corrupt_file'],
      [B, null],
    ]);
    expect(String(views.files[0].read_error)).to.match(/^cannot decompress: /);
    expect(views.lines.map((l) => l.line)).to.deep.equal(['fine']);
  });

  it('reads a small gzip of newlines in bounded memory (16 MB decompressed within a 48 MB heap)', () => {
    const dir = tempDir('bomb');
    const file = path.join(dir, 'bomb.jsonl.gz');
    fs.writeFileSync(file, zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x0a), { level: 9 }));
    expect(fs.statSync(file).size).to.be.below(50 * 1024);
    const res = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=48',
        '-r',
        'tsx/cjs',
        '-e',
        `require('./etl/local/source').readSourceLines(${JSON.stringify(file)}, require('./etl/local/source').DEFAULT_READ_BOUNDS, () => {}).then((r) => console.log(JSON.stringify(r)))`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(res.status, res.stderr.slice(-500)).to.equal(0);
    expect(JSON.parse(res.stdout)).to.deep.equal({ lines: 0 });
  });

  it('reads a file over 2 GiB streaming and reports it as one entry, the other files of the batch processed', async function () {
    const source = tempDir('huge');
    const lake = tempDir('hugelake');
    writeSource(source, A, [eventLine({ user_id: 'u_small' })]);
    const huge = path.join(source, ...B.split('/'));
    fs.mkdirSync(path.dirname(huge), { recursive: true });
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 2 * 1024 * 1024 * 1024 + 4096); // sparse: no disk space used, not a gzip stream
    const s = await runIncremental({ source, lake });
    expect(s).to.include({ batchFiles: 2, silverRowsAdded: 1, corruptFiles: 1 });
    expect(loadState(lake).files[B]).to.include({ corrupt: true, readProblem: 'corrupt_file', size: 2 * 1024 * 1024 * 1024 + 4096 });
  });
});

describe('local engine hardening: source entries and batches', () => {
  it('reports every entry it does not process with why: symbolic links, dangling links, FIFOs, upper-case names, other files', async () => {
    const source = tempDir('entries');
    const lake = tempDir('entrieslake');
    const good = keyAt('2025-11-19T17:55:00Z');
    const goodFile = writeSource(source, good, [eventLine()]);
    const dir = path.dirname(goodFile);
    fs.symlinkSync(goodFile, path.join(dir, 'link.jsonl.gz'));
    fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, 'dangling.jsonl.gz'));
    expect(spawnSync('mkfifo', [path.join(dir, 'pipe.jsonl.gz')]).status).to.equal(0);
    fs.copyFileSync(goodFile, path.join(dir, 'UPPER.JSONL.GZ'));
    fs.writeFileSync(path.join(source, 'README.txt'), 'notes');
    const s = await runIncremental({ source, lake });
    expect(s.batchFiles).to.equal(1);
    const rel = path.dirname(good);
    expect(s.skipped).to.deep.equal([
      { key: 'README.txt', reason: 'not a .jsonl.gz file' },
      { key: `${rel}/UPPER.JSONL.GZ`, reason: 'name must end in .jsonl.gz in lower case' },
      { key: `${rel}/dangling.jsonl.gz`, reason: 'symbolic link: not followed (copy or move the files into the source folder)' },
      { key: `${rel}/link.jsonl.gz`, reason: 'symbolic link: not followed (copy or move the files into the source folder)' },
      { key: `${rel}/pipe.jsonl.gz`, reason: 'named pipe (FIFO): not a regular file' },
    ]);

    // an events/ folder that is a symbolic link is reported, not read as an empty source
    const linked = tempDir('linked');
    fs.symlinkSync(path.join(source, 'events'), path.join(linked, 'events'));
    const logged: string[] = [];
    const t = await runIncremental({ source: linked, lake: tempDir('linkedlake'), log: (l) => logged.push(l) });
    expect(t.batchFiles).to.equal(0);
    expect(t.skipped).to.deep.equal([{ key: 'events', reason: 'symbolic link: not followed (copy or move the files into the source folder)' }]);
    expect(logged).to.include('skipped source entry events (symbolic link: not followed (copy or move the files into the source folder))');
  });

  it('reports an unreadable file (unreadable_file, in the ledger) and folder, processes the rest, and retries the file next run', function () {
    if (!asRoot) this.skip();
    const source = tempDir('unread');
    fs.chmodSync(source, 0o755);
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_ok' })]);
    const locked = writeSource(source, keyAt('2025-11-19T17:56:00Z'), [eventLine({ user_id: 'u_locked' })]);
    const lockedDir = path.dirname(writeSource(source, keyAt('2025-11-19T18:05:00Z'), [eventLine({ user_id: 'u_dir' })]));
    fs.chmodSync(locked, 0o600);
    fs.chmodSync(lockedDir, 0o700);
    const lakeParent = tempDir('unreadlake');
    fs.chmodSync(lakeParent, 0o777);
    const lake = path.join(lakeParent, 'lake');
    const run = () =>
      runAsNobody(
        `require('./etl/local/engine').runIncremental({ source: ${JSON.stringify(source)}, lake: ${JSON.stringify(lake)} })` +
          `.then(async (s) => { const counts = await require('./etl/local/lake').tableRowCounts(${JSON.stringify(lake)}); console.log(JSON.stringify({ s, counts })); }, (e) => { console.log(e.stack); process.exit(3); })`,
      );
    const first = run();
    expect(first.status, first.stdout + first.stderr).to.equal(0);
    const { s, counts } = JSON.parse(first.stdout.trim().split('\n').pop()!) as { s: Record<string, unknown>; counts: Record<string, number> };
    expect(s).to.include({ batchFiles: 2, silverRowsAdded: 1, unreadableFiles: 1 });
    expect(s.quarantinedByReason).to.deep.equal({ unreadable_file: 1 });
    expect(s.skipped).to.deep.equal([{ key: `${path.dirname(keyAt('2025-11-19T18:05:00Z'))}/`, reason: 'folder cannot be read: permission denied' }]);
    expect(counts['bronze.file_ledger']).to.equal(2);
    expect(counts['silver.events']).to.equal(1);
    // a processed file that changed and cannot be read is reported, and its rows stay
    const processed = path.join(source, ...keyAt('2025-11-19T17:55:00Z').split('/'));
    fs.appendFileSync(processed, Buffer.from([0]));
    fs.chmodSync(processed, 0o600);
    const again = run();
    const second = JSON.parse(again.stdout.trim().split('\n').pop()!) as {
      s: { skipped: Array<{ key: string; reason: string }> };
      counts: Record<string, number>;
    };
    expect(second.s).to.include({ batchFiles: 1, unreadableFiles: 1 });
    expect(second.s.skipped.map((e) => e.key)).to.deep.equal([keyAt('2025-11-19T17:55:00Z'), `${path.dirname(keyAt('2025-11-19T18:05:00Z'))}/`]);
    expect(second.s.skipped[0].reason).to.equal('processed before, now cannot be read to compare: permission denied');
    expect(second.counts['silver.events']).to.equal(1);
  });

  it('--max-files: reads the first N new files by key per run and leaves the rest for later runs', async () => {
    const source = tempDir('maxf');
    const lake = tempDir('maxflake');
    const keys = ['2025-11-19T18:05:00Z', '2025-11-19T17:55:00Z', '2025-11-19T18:00:00Z'].map((t, i) => {
      writeSource(source, keyAt(t), [eventLine({ user_id: `u_${i}` })]);
      return keyAt(t);
    });
    const first = await runIncremental({ source, lake, maxFiles: 2 });
    expect(first).to.include({ batchFiles: 2, pendingFiles: 1 });
    expect(Object.keys(loadState(lake).files).sort()).to.deep.equal([keys[1], keys[2]]);
    const second = await runIncremental({ source, lake, maxFiles: 2 });
    expect(second).to.include({ batchFiles: 1, pendingFiles: 0 });
    expect((await failure(() => runIncremental({ source, lake, maxFiles: 0 }))).message).to.match(/maxFiles: expected a whole number >= 1/);
  });

  it('reports a processed file whose content changed once, as changed_file with both fingerprints, without reading it', async () => {
    const source = tempDir('changed');
    const lake = tempDir('changedlake');
    const key = keyAt('2025-11-19T17:55:00Z');
    writeSource(source, key, [eventLine({ user_id: 'u_e1' }), eventLine({ user_id: 'u_e2' })]);
    await runIncremental({ source, lake });
    const original = loadState(lake).files[key];
    writeSource(source, key, [eventLine({ user_id: 'u_e1' }), eventLine({ user_id: 'u_new' })]);
    const views = await batchViewsOf(source, loadState(lake));
    expect(views.lines).to.deep.equal([]);
    expect(views.files).to.have.length(1);
    expect(views.files[0].read_problem).to.equal('changed_file');
    const logged: string[] = [];
    const s = await runIncremental({ source, lake, log: (l) => logged.push(l) });
    expect(s).to.include({ changedFiles: 1 });
    const now = loadState(lake).files[key];
    expect(String(views.files[0].read_error)).to.equal(`processed sha256 ${original.sha256}, now sha256 ${now.changedTo?.sha256}`);
    expect(logged.filter((l) => l.startsWith('changed_file'))).to.deep.equal([`changed_file ${key}: ${views.files[0].read_error}`]);
    expect(now).to.include({ sha256: original.sha256, size: original.size, processedAt: original.processedAt });
    const third = await runIncremental({ source, lake });
    expect(third).to.include({ batchFiles: 0, changedFiles: 0 });
  });
});

describe('local engine hardening: paths used literally', () => {
  it('reads the lake at a path holding glob characters, not another folder the pattern would match', async () => {
    const parent = tempDir('glob');
    const source = tempDir('globsrc');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_bracket' })]);
    const other = tempDir('globsrc2');
    writeSource(other, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_plain1' }), eventLine({ user_id: 'u_plain2' })]);
    for (const [name, src] of [
      ['lake[1]', source],
      ['lake1', other],
      ['lake*', source],
      ['lakeX', other],
    ] as const) {
      await runIncremental({ source: src, lake: path.join(parent, name) });
    }
    expect(await silverUsers(path.join(parent, 'lake[1]'))).to.deep.equal([['u_bracket', '2025-11-19']]);
    expect(await silverUsers(path.join(parent, 'lake*'))).to.deep.equal([['u_bracket', '2025-11-19']]);
    expect((await tableRowCounts(path.join(parent, 'lake[1]')))['silver.events']).to.equal(1);
    const unreadable = path.join(parent, 'back\\slash[1]');
    const err = await failure(() => runIncremental({ source, lake: unreadable }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.contain('cannot read a path holding both a backslash and one of * ? [');
    expect(fs.existsSync(unreadable)).to.equal(false);
  });

  it('takes partition values from the table folders only: a lake under event_date=... or year=... folders works', async () => {
    const source = tempDir('partsrc');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_1' })]);
    for (const parent of ['event_date=2000-01-01', 'year=1999']) {
      const lake = path.join(tempDir('partparent'), parent, 'lake');
      await runIncremental({ source, lake });
      writeSource(source, keyAt('2025-11-19T18:00:00Z'), [eventLine({ user_id: 'u_2', timestamp: '2025-11-19T17:58:00Z' })]);
      expect((await runIncremental({ source, lake })).batchFiles, parent).to.equal(1);
      expect(await silverUsers(lake), parent).to.deep.equal([
        ['u_1', '2025-11-19'],
        ['u_2', '2025-11-19'],
      ]);
      fs.rmSync(path.join(source, ...keyAt('2025-11-19T18:00:00Z').split('/')));
      const duck = await openDuck();
      try {
        await registerLakeViews(duck.connection, lake);
        const [ledger] = await queryRows(duck.connection, `SELECT MIN(year) AS y FROM ${localTableName(bronzeFileLedger)}`);
        expect(ledger.y, parent).to.equal('2025');
      } finally {
        duck.close();
      }
    }
  });
});

describe('local engine hardening: failed runs', () => {
  it('a failed run leaves no staging or trash behind', async () => {
    const source = tempDir('fail');
    const lake = tempDir('faillake');
    writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine()]);
    const crashing = {
      ...manifest,
      steps: [...manifest.steps.slice(0, manifest.steps.findIndex((st) => st.name === 'silver') + 1), { name: 'boom', sql: 'sql/does-not-exist.sql' }],
    };
    await failure(() => runIncremental({ source, lake, manifest: crashing }));
    expect(fs.readdirSync(lake).sort()).to.deep.equal([LAKE_MARKER, '_state']); // its staging (DuckDB's temporary folder included) is gone
    expect(fs.readdirSync(path.join(lake, '_state'))).to.deep.equal([]);
  });

  it('rolling back a run puts back a partition it moved out without its replacement', () => {
    const lake = tempDir('rollback');
    const rel = 'silver/events/event_date=2025-11-19/event_hour=17';
    const trashed = path.join(lake, TRASH_DIR, 'run1', rel);
    fs.mkdirSync(trashed, { recursive: true });
    fs.writeFileSync(path.join(trashed, 'part-0.parquet'), 'old');
    fs.mkdirSync(path.join(lake, '_staging', 'run1', rel), { recursive: true });
    expect(rollbackRun(lake, 'run1')).to.equal(1);
    expect(listTree(lake)).to.deep.equal([`${rel}/part-0.parquet`]);
  });
});

describe('local engine hardening: I/O failures on a real device (tmpfs; needs permission to mount)', () => {
  const mounts: string[] = [];
  /** A fresh tmpfs of the given size, or undefined when this machine does not allow mounting. */
  const mountTmpfs = (size: string): string | undefined => {
    const dir = tempDir('mnt');
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) return undefined;
    mounts.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of mounts) spawnSync('umount', [dir]);
  });

  const source = tempDir('io-src');
  writeSource(source, keyAt('2025-11-19T17:55:00Z'), [eventLine({ user_id: 'u_1' })]);

  it('a lake on a read-only mount: one line naming the path and the cause, for a new and for an existing lake', async function () {
    const mnt = mountTmpfs('1m');
    if (!mnt) this.skip();
    const existing = path.join(mnt, 'existing');
    await runIncremental({ source, lake: existing });
    expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).to.equal(0);
    writeSource(source, keyAt('2025-11-19T18:00:00Z'), [eventLine({ user_id: 'u_2' })]);
    try {
      for (const lake of [path.join(mnt, 'new'), existing]) {
        const err = await failure(() => runIncremental({ source, lake }));
        expect(err, lake).to.be.instanceOf(InputError);
        expect(err.message, lake).to.contain(lake).and.contain('read-only file system');
        expect(err.message.split('\n')).to.have.length(1);
      }
    } finally {
      fs.rmSync(path.join(source, ...keyAt('2025-11-19T18:00:00Z').split('/')));
    }
  });

  it('a full disk at the start: one line naming the path, nothing left behind', async function () {
    const mnt = mountTmpfs('64k');
    if (!mnt) this.skip();
    // fill the device
    const fill = fs.openSync(path.join(mnt, 'fill'), 'w');
    try {
      for (;;) fs.writeSync(fill, Buffer.alloc(4096));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).to.equal('ENOSPC');
    } finally {
      fs.closeSync(fill);
    }
    const lake = path.join(mnt, 'lake');
    const err = await failure(() => runIncremental({ source, lake }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.contain(lake).and.contain('no space left on the device');
  });

  it('a disk that fills up during the run: one line, the staging removed, the lake still readable and completed by the next run', async function () {
    const mnt = mountTmpfs('24k');
    if (!mnt) this.skip();
    const lake = path.join(mnt, 'lake');
    const err = await failure(() => runIncremental({ source, lake }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message.toLowerCase()).to.contain('no space left');
    expect(err.message.split('\n')).to.have.length(1);
    expect(fs.existsSync(path.join(lake, '_staging'))).to.equal(false);
    expect(fs.existsSync(path.join(lake, TRASH_DIR))).to.equal(false);
    await tableRowCounts(lake);
    expect(spawnSync('mount', ['-o', 'remount,size=4m', mnt]).status).to.equal(0);
    expect((await runIncremental({ source, lake })).batchFiles).to.equal(1);
    expect((await tableRowCounts(lake))['silver.events']).to.equal(1);
  });
});
