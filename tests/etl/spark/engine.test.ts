/**
 * The Spark engine (the Glue job's Python engine on a local SparkSession) against the DuckDB
 * engine, side by side on the same source files: every table equal row by row with its Parquet
 * types, after new files (appended: the files already in the lake stay as they are) and after
 * files the lake already holds are processed again (their partitions rewritten: nothing doubled),
 * the same answers to the 5 queries, every adversarial line with its stated outcome on both, and
 * `lakehouse run --engine spark` from the command line.
 */
import * as crypto from 'crypto';
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { failsRun } from '../../../etl/check-runtime';
import { runEngine, EngineName } from '../../../etl/engines';
import { runLocalChecks } from '../../../etl/local/checks';
import { openDuck, queryRows } from '../../../etl/local/duck';
import { loadState, statePath } from '../../../etl/local/state';
import { runDeliverableQueries } from '../../../etl/local/queries';
import { generateFiles } from '../../../generator';
import { ADVERSARIAL_INGESTED_AT, ADVERSARIAL_LINES, adversarialSourceFiles, MAX_LINE_BYTES } from '../../fixtures/adversarial-corpus';
import { eventLine, keyAt, tempDir, writeSource } from '../../helpers/source-files';
import { lakeContents, lakeDifferences } from '../../helpers/lake-contents';
import { sparkPythonOrSkip } from '../../helpers/spark';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const STARTER = path.join(__dirname, '..', '..', 'fixtures', 'starter-sample-100.jsonl.gz');
const ENGINES: EngineName[] = ['duckdb', 'spark'];

/** Batch 1: the starter sample, generated files with every injected fault, edge-case files and the adversarial corpus. */
async function writeFirstBatch(source: string): Promise<void> {
  writeSource(source, 'events/year=2025/month=11/day=19/hour=17/minute=54/events-20251119-175454.jsonl.gz', fs.readFileSync(STARTER));
  await generateFiles({
    outDir: source,
    files: 3,
    minEvents: 150,
    maxEvents: 250,
    start: new Date('2025-11-19T16:45:00Z'),
    intervalMinutes: 5,
    seed: 11,
    duplicateRate: 0.05,
    malformedRate: 0.1,
  });
  for (const f of adversarialSourceFiles()) writeSource(source, f.key, f.gzip);
  const sample = fs.readFileSync(STARTER);
  writeSource(source, keyAt('2025-11-19T15:01:00Z'), Buffer.from('this is not gzip'));
  writeSource(source, keyAt('2025-11-19T15:02:00Z'), Buffer.alloc(0));
  writeSource(source, keyAt('2025-11-19T15:03:00Z'), sample.subarray(0, Math.floor(sample.length / 2)));
  writeSource(
    source,
    keyAt('2025-11-19T15:04:00Z'),
    Buffer.concat([zlib.gzipSync(`${eventLine({ user_id: 'u_m1' })}\n`), zlib.gzipSync(`${eventLine({ user_id: 'u_m2' })}\n`)]),
  );
  writeSource(source, keyAt('2025-11-19T15:05:00Z'), zlib.gzipSync('\n   \n\n'));
  writeSource(
    source,
    keyAt('2025-11-19T15:06:00Z'),
    zlib.gzipSync(
      `${eventLine({ user_id: 'u_crlf', timestamp: '2025-11-19T23:59:59.999999+00:00' })}\r\n${eventLine({ user_id: 'u_late', timestamp: '2025-11-20T00:00:00-05:00' })}`,
    ),
  );
}

/** Batch 2: a duplicate of a batch-1 event in a new file, a new hour, and a changed batch-1 file. */
function writeSecondBatch(source: string): void {
  writeSource(source, keyAt('2025-11-19T18:05:00Z'), [
    eventLine({ user_id: 'u_crlf', timestamp: '2025-11-19T23:59:59.999999+00:00' }),
    eventLine({ user_id: 'u_b2' }),
  ]);
  writeSource(source, keyAt('2025-11-19T15:04:00Z'), [eventLine({ user_id: 'u_changed' })]);
}

/**
 * Batch 3: two batch-1 files taken again, as after a run that wrote the lake but died before it
 * saved the processed-files state: the file ledger already has them, so their partitions are
 * rewritten. One of them holds the event a batch-2 file repeats.
 */
const REPLAYED = ['events/year=2025/month=11/day=19/hour=17/minute=54/events-20251119-175454.jsonl.gz', keyAt('2025-11-19T15:06:00Z')];

function forgetProcessed(lake: string, keys: readonly string[]): void {
  const state = loadState(lake);
  for (const key of keys) expect(state.files, key).to.have.property(key);
  const files = Object.fromEntries(Object.entries(state.files).filter(([key]) => !keys.includes(key)));
  fs.writeFileSync(statePath(lake), JSON.stringify({ ...state, files }));
}

/** SHA-256 of every Parquet file of the lake's silver table, by path. */
function silverFiles(lake: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.name.endsWith('.parquet')) out.set(path.relative(lake, abs), crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex'));
    }
  };
  walk(path.join(lake, 'silver', 'events'));
  return out;
}

const NOW = [new Date(ADVERSARIAL_INGESTED_AT), new Date('2025-11-19T18:10:05Z'), new Date('2025-11-19T18:15:05Z')];
/** Batch times differ between the batches a file was read in. */
const BATCH_TIME = ['ingested_at'];

describe('Spark engine side by side with the DuckDB engine', function () {
  this.timeout(30 * 60 * 1000);
  const lakes: Record<EngineName, string> = { duckdb: '', spark: '' };
  const contents: Array<Record<EngineName, Awaited<ReturnType<typeof lakeContents>>>> = [];
  const withoutBatchTime: Array<Record<EngineName, Awaited<ReturnType<typeof lakeContents>>>> = [];
  const silver: Array<Record<EngineName, Map<string, string>>> = [];
  let source: string;

  before(async function () {
    sparkPythonOrSkip(this);
    source = tempDir('parity-src');
    for (const e of ENGINES) lakes[e] = path.join(tempDir(`parity-${e}`), 'lake');
    await writeFirstBatch(source);
    for (const [batch, now] of NOW.entries()) {
      if (batch === 1) writeSecondBatch(source);
      if (batch === 2) for (const e of ENGINES) forgetProcessed(lakes[e], REPLAYED);
      const round = {} as Record<EngineName, Awaited<ReturnType<typeof lakeContents>>>;
      const comparable = {} as Record<EngineName, Awaited<ReturnType<typeof lakeContents>>>;
      const files = {} as Record<EngineName, Map<string, string>>;
      for (const e of ENGINES) {
        await runEngine(e, { source, lake: lakes[e], now });
        round[e] = await lakeContents(lakes[e]);
        comparable[e] = await lakeContents(lakes[e], { omitColumns: BATCH_TIME });
        files[e] = silverFiles(lakes[e]);
      }
      contents.push(round);
      withoutBatchTime.push(comparable);
      silver.push(files);
    }
  });

  for (const batch of [0, 1, 2]) {
    it(`batch ${batch + 1}: every table holds the same rows with the same Parquet types on both engines`, () => {
      const { duckdb, spark } = contents[batch];
      expect(duckdb['silver.events'].rows.length, 'silver rows').to.be.greaterThan(100);
      expect(lakeDifferences(duckdb, spark, ['duckdb', 'spark'])).to.deep.equal([]);
    });
  }

  it('batch 2 (new files only) added silver files and left every earlier one as it was, on both engines', () => {
    for (const e of ENGINES) {
      const [before, after] = [silver[0][e], silver[1][e]];
      const changed = [...before].filter(([file, hash]) => after.get(file) !== hash).map(([file]) => file);
      expect(changed, `${e}: batch-1 silver files rewritten or deleted`).to.deep.equal([]);
      expect(after.size, `${e}: silver files`).to.be.greaterThan(before.size);
    }
  });

  it('batch 3 (files the lake holds, processed again) rewrote their partitions and changed no row but their batch time, on both engines', () => {
    for (const e of ENGINES) {
      expect(lakeDifferences(withoutBatchTime[1][e], withoutBatchTime[2][e], ['before the replay', 'after it']), e).to.deep.equal([]);
      expect(
        lakeDifferences(contents[1][e], contents[2][e], ['before the replay', 'after it']),
        `${e}: the replayed files' rows carry the new batch time`,
      ).to.not.deep.equal([]);
      const replaced = [...silver[1][e].keys()].filter((file) => !silver[2][e].has(file));
      expect(replaced.length, `${e}: silver files replaced by the replay`).to.be.greaterThan(0);
    }
  });

  it('every adversarial line has its stated outcome on both engines', async () => {
    for (const e of ENGINES) {
      const outcomes = await corpusOutcomes(lakes[e]);
      const wrong = ADVERSARIAL_LINES.filter((l) => l.expect !== 'blank').flatMap((l) => {
        const got = outcomes.get(expectedRawLine(l)) ?? ['valid'];
        return got.join(',') === l.expect ? [] : [`${l.rule}: expected ${l.expect}, got ${got.join(',')}`];
      });
      expect(wrong, e).to.deep.equal([]);
      const silver = await corpusSilver(lakes[e]);
      const valid = ADVERSARIAL_LINES.filter((l) => l.expect === 'valid');
      expect(silver.length, `${e}: silver rows of the corpus files`).to.equal(valid.length);
      const missing = valid.filter((l) => !silver.some((row) => Object.entries(l.silver ?? {}).every(([k, v]) => sameValue(k, row[k], v))));
      expect(
        missing.map((l) => l.rule),
        `${e}: valid lines whose stated silver values no row has`,
      ).to.deep.equal([]);
    }
  });

  it('a changed source file is reported as changed_file and its rows stay, on both engines', async () => {
    for (const e of ENGINES) {
      const duck = await openDuck();
      try {
        const rows = await queryRows(
          duck.connection,
          `SELECT reason, count(*) AS n FROM read_parquet('${lakes[e]}/quarantine/events/**/*.parquet') WHERE source_file LIKE '%events-20251119-150400.jsonl.gz' GROUP BY reason`,
        );
        expect(rows, e).to.deep.equal([{ reason: 'changed_file', n: '1' }]);
        const kept = await queryRows(
          duck.connection,
          `SELECT user_id FROM read_parquet('${lakes[e]}/silver/events/**/*.parquet') WHERE user_id IN ('u_m1', 'u_m2', 'u_changed') ORDER BY 1`,
        );
        expect(
          kept.map((r) => r.user_id),
          e,
        ).to.deep.equal(['u_m1', 'u_m2']);
      } finally {
        duck.close();
      }
    }
  });

  it('the 5 queries answer the same on both lakes, and every invariant check passes on both', async () => {
    const answers = await Promise.all(ENGINES.map((e) => runDeliverableQueries(lakes[e])));
    expect(
      answers[0].every((a) => a.rows.length > 0),
      'every query answers',
    ).to.equal(true);
    expect(JSON.stringify(answers[1])).to.equal(JSON.stringify(answers[0]));
    for (const e of ENGINES) {
      const failed = (await runLocalChecks(lakes[e])).filter(failsRun);
      expect(
        failed.map((r) => `${r.id}: ${r.message}`),
        e,
      ).to.deep.equal([]);
    }
  });

  it('`lakehouse run --engine spark` continues a Spark lake from the command line, and `query --format json` answers on it as on the DuckDB lake', () => {
    // The lakes are up to date, so the run finds nothing to read: this checks the command's
    // dispatch to the engine and its state without a further Spark run (the batches above ran
    // through the same runEngine the command calls).
    const answers: string[] = [];
    for (const engine of ENGINES) {
      const run = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin', 'lakehouse.js'), 'run', '--engine', engine, '--source', source, '--lake', lakes[engine]],
        {
          encoding: 'utf8',
        },
      );
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^files 0\b/m);
      expect(run.stderr).to.match(/0 new or changed file\(s\), \d+ already processed/);
      const query = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'lakehouse.js'), 'query', '--lake', lakes[engine], '--format', 'json'], {
        encoding: 'utf8',
      });
      expect(query.status, query.stderr).to.equal(0);
      answers.push(query.stdout);
    }
    expect(Object.keys(JSON.parse(answers[0])), 'answers').to.have.length(5);
    expect(JSON.parse(answers[1])).to.deep.equal(JSON.parse(answers[0]));
  });
});

describe('Spark engine without its environment', () => {
  it('`lakehouse run --engine spark` says which command sets it up, in one line, exit 2', () => {
    const src = tempDir('nospark-src');
    writeSource(src, keyAt('2025-11-19T17:54:54Z'), [eventLine()]);
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin', 'lakehouse.js'), 'run', '--engine', 'spark', '--source', src, '--lake', path.join(tempDir('nospark'), 'lake')],
      {
        encoding: 'utf8',
        env: { ...process.env, LAKEHOUSE_VENV: path.join(tempDir('novenv'), 'missing') },
      },
    );
    expect(run.status).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.include('npm run setup:spark');
  });
});

/** The raw_line a corpus line has in quarantine: its text, or base64 of its bytes for encoding and length problems. */
function expectedRawLine(l: (typeof ADVERSARIAL_LINES)[number]): string {
  return (l.expect === 'line_too_long' ? l.bytes.subarray(0, MAX_LINE_BYTES) : l.bytes).toString('base64');
}

/** Quarantine reasons by raw line (as base64 of its UTF-8 bytes, or the stored base64 for bad_encoding/line_too_long). */
async function corpusOutcomes(lake: string): Promise<Map<string, string[]>> {
  const duck = await openDuck();
  try {
    // base64 in SQL: the Node client drops a leading byte order mark when it decodes text
    const rows = await queryRows(
      duck.connection,
      `SELECT CASE WHEN reason IN ('bad_encoding', 'line_too_long') THEN raw_line ELSE to_base64(encode(raw_line)) END AS key, reason
       FROM read_parquet('${lake}/quarantine/events/**/*.parquet') WHERE source_file LIKE '%/hour=17/minute=%/events-20251119-17%00.jsonl.gz' AND raw_line IS NOT NULL`,
    );
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(String(r.key), [...(out.get(String(r.key)) ?? []), String(r.reason)]);
    return out;
  } finally {
    duck.close();
  }
}

const TEXT_FIELDS = ['user_id', 'session_id', 'event_type', 'product_id', 'category', 'search_query'];

async function corpusSilver(lake: string): Promise<Record<string, unknown>[]> {
  const duck = await openDuck();
  try {
    const files = adversarialSourceFiles()
      .map((f) => `'${f.key}'`)
      .join(', ');
    // Text as base64, decoded here: the Node client drops a leading byte order mark when it decodes text.
    const text = TEXT_FIELDS.map((c) => `to_base64(encode(${c})) AS ${c}`).join(', ');
    const rows = await queryRows(
      duck.connection,
      `SELECT strftime(event_ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS event_ts, ${text}, quantity, price, revenue
       FROM read_parquet('${lake}/silver/events/**/*.parquet') WHERE source_file IN (${files})`,
    );
    for (const row of rows) for (const c of TEXT_FIELDS) row[c] = row[c] === null ? null : Buffer.from(String(row[c]), 'base64').toString('utf8');
    return rows;
  } finally {
    duck.close();
  }
}

/** Silver keeps event times to the millisecond (what Athena shows), so the stated microseconds are compared truncated. */
function sameValue(field: string, actual: unknown, stated: unknown): boolean {
  if (field === 'event_ts' && typeof stated === 'string') return String(actual) === `${stated.slice(0, 23)}000Z`;
  if (typeof stated === 'number') return Number(actual) === stated;
  return (actual ?? null) === stated;
}
