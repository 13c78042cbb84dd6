import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { CATEGORIES, EVENT_TYPES } from '../../etl/schema';
import { EventGenerator, FAULT_KINDS, FaultKind, generateFiles, GenerateOptions, generationLagSeconds, validateOptions } from '../../generator/index';
import { writeFiveDigits, writePrice } from '../../generator/events';
import { formatPrice, formatTimestamp, sourceKey } from '../../generator/format';
import { writeGzip } from '../../generator/gzip-writer';
import { ParallelGzip } from '../../generator/parallel-gzip';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

// ------------------------------------------------------------------------------------------------
// The starter's format, taken from its real output (fixtures/starter-sample-100.jsonl.gz)
// ------------------------------------------------------------------------------------------------

/** Verbatim lines of the starter sample (so the format test never depends on a file outside the repo). */
const STARTER_LINES = [
  '{"timestamp": "2025-11-19T17:54:54.718325+00:00", "user_id": "u_51217", "session_id": "s_61025", "event_type": "purchase", "product_id": "p_5004", "quantity": 3, "price": 125.15, "category": "sports", "search_query": null}',
  '{"timestamp": "2025-11-19T17:54:54.718325+00:00", "user_id": "u_78888", "session_id": "s_85364", "event_type": "page_view", "product_id": "p_2004", "quantity": null, "price": null, "category": "clothing", "search_query": null}',
  '{"timestamp": "2025-11-19T17:54:54.718325+00:00", "user_id": "u_49620", "session_id": "s_76854", "event_type": "search", "product_id": null, "quantity": null, "price": null, "category": null, "search_query": "python books"}',
  '{"timestamp": "2025-11-19T17:54:54.718325+00:00", "user_id": "u_57341", "session_id": "s_82470", "event_type": "add_to_cart", "product_id": "p_5001", "quantity": 1, "price": 19.8, "category": "sports", "search_query": null}',
  '{"timestamp": "2025-11-19T17:54:54.718325+00:00", "user_id": "u_59589", "session_id": "s_70188", "event_type": "remove_from_cart", "product_id": "p_2002", "quantity": 4, "price": 28.96, "category": "clothing", "search_query": null}',
];

/** The whole real sample: 100 lines of the course starter's output (a copy of ../shared/fixtures). */
function starterSample(): string[] {
  const file = path.join(__dirname, '..', 'fixtures', 'starter-sample-100.jsonl.gz');
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
}

const TS = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6}\+00:00|\+00:00|\.\d{3}Z|Z)`;
const PRICE = String.raw`(?:[1-9]\d{0,2}|0)\.\d{1,2}`;
const PRODUCT = String.raw`"p_[1-6]00[1-5]"`;
const CATEGORY = `"(?:${CATEGORIES.join('|')})"`;
/** One line of the starter's format: key order, `": "` and `", "` separators, nulls as null. */
const STARTER_LINE = new RegExp(
  '^\\{' +
    [
      `"timestamp": "${TS}"`,
      `"user_id": "u_[1-9]\\d{4}"`,
      `"session_id": "s_[1-9]\\d{4}"`,
      `(?:"event_type": "page_view", "product_id": ${PRODUCT}, "quantity": null, "price": null, "category": ${CATEGORY}, "search_query": null` +
        `|"event_type": "(?:add_to_cart|remove_from_cart|purchase)", "product_id": ${PRODUCT}, "quantity": [1-5], "price": ${PRICE}, "category": ${CATEGORY}, "search_query": null` +
        `|"event_type": "search", "product_id": null, "quantity": null, "price": null, "category": null, "search_query": "[a-z ]+")`,
    ].join(', ') +
    '\\}$',
);

/** Re-serializes a parsed event the way the starter (Python json.dumps) does. */
function starterSerialize(e: Record<string, unknown>): string {
  const value = (k: string, v: unknown) => (v === null ? 'null' : k === 'price' ? formatPrice(Math.round((v as number) * 100)) : JSON.stringify(v));
  return `{${Object.entries(e)
    .map(([k, v]) => `"${k}": ${value(k, v)}`)
    .join(', ')}}`;
}

// ------------------------------------------------------------------------------------------------
// An independent reading of the source contract (quarantine reasons in priority order)
// ------------------------------------------------------------------------------------------------

const REQUIRED = ['timestamp', 'user_id', 'session_id', 'event_type'];
const PRICED = ['add_to_cart', 'remove_from_cart', 'purchase'];
const isBlank = (v: unknown) => v === undefined || v === null || v === '';
const intLike = (v: unknown) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v));
const numLike = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v));

type Verdict = FaultKind | 'valid' | 'other';
function classify(line: string): Verdict {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(line);
  } catch {
    return 'malformed_json';
  }
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'malformed_json';
  if (REQUIRED.some((k) => isBlank(e[k]))) return 'missing_field';
  if (!(EVENT_TYPES as readonly string[]).includes(e.event_type as string)) return 'unknown_event_type';
  const priced = PRICED.includes(e.event_type as string);
  if (e.event_type === 'search' ? isBlank(e.search_query) : isBlank(e.product_id) || (priced && (isBlank(e.quantity) || isBlank(e.price)))) return 'other';
  if (Number.isNaN(Date.parse(e.timestamp as string))) return 'other';
  if (priced && (!intLike(e.quantity) || !numLike(e.price))) return 'bad_type';
  if (priced && (Number(e.quantity) < 1 || Number(e.quantity) > 5 || Number(e.price) < 9.99 || Number(e.price) > 299.99)) return 'other';
  return STARTER_LINE.test(line) ? 'valid' : 'other';
}

// ------------------------------------------------------------------------------------------------

const tmpDirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gen-test-'));
  tmpDirs.push(dir);
  return dir;
}
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function options(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  return {
    outDir: tmp(),
    files: 1,
    minEvents: 2000,
    maxEvents: 2000,
    start: new Date('2025-11-19T17:00:00Z'),
    intervalMinutes: 5,
    seed: 7,
    duplicateRate: 0,
    malformedRate: 0,
    ...overrides,
  };
}

const readLines = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '');

describe('generator: starter format', () => {
  it('the format regex accepts every line of the starter sample', () => {
    const sample = [...STARTER_LINES, ...starterSample()];
    for (const line of sample) expect(line, line).to.match(STARTER_LINE);
    for (const line of sample) expect(starterSerialize(JSON.parse(line))).to.equal(line);
  });

  it('writes lines that match the starter format and round-trip through JSON byte for byte', async () => {
    const { files } = await generateFiles(options({ minEvents: 5000, maxEvents: 5000 }));
    const lines = readLines(files[0].path);
    expect(lines).to.have.length(5000);
    const starterKeys = Object.keys(JSON.parse(STARTER_LINES[0]));
    for (const line of lines) {
      expect(line, line).to.match(STARTER_LINE);
      const parsed = JSON.parse(line);
      expect(Object.keys(parsed)).to.deep.equal(starterKeys);
      expect(starterSerialize(parsed)).to.equal(line);
    }
  });

  it('keeps to the value domains and weights of the starter', async () => {
    const { files } = await generateFiles(options({ minEvents: 20000, maxEvents: 20000, seed: 11 }));
    const events = readLines(files[0].path).map((l) => JSON.parse(l));
    const byType: Record<string, number> = {};
    const queries = new Set<string>();
    const observed = new Set(
      STARTER_LINES.concat(starterSample())
        .map((l) => JSON.parse(l).search_query)
        .filter((q) => q !== null),
    );
    for (const e of events) {
      byType[e.event_type] = (byType[e.event_type] ?? 0) + 1;
      const user = Number(e.user_id.slice(2));
      const session = Number(e.session_id.slice(2));
      expect(user).to.be.within(10000, 99999);
      expect(session).to.be.within(10000, 99999);
      if (e.event_type === 'search') {
        expect([e.product_id, e.category, e.quantity, e.price]).to.deep.equal([null, null, null, null]);
        queries.add(e.search_query);
      } else {
        const [, c, k] = /^p_([1-6])00([1-5])$/.exec(e.product_id) ?? [];
        expect(c, e.product_id).to.not.equal(undefined);
        expect(e.category).to.equal(CATEGORIES[Number(c) - 1]);
        expect(Number(k)).to.be.within(1, 5);
        expect(e.search_query).to.equal(null);
        if (e.event_type === 'page_view') expect([e.quantity, e.price]).to.deep.equal([null, null]);
        else {
          expect(e.quantity).to.be.oneOf([1, 2, 3, 4, 5]);
          expect(e.price).to.be.within(9.99, 299.99);
          expect(Math.abs(e.price * 100 - Math.round(e.price * 100))).to.be.below(1e-6);
        }
      }
    }
    // 50/20/10/10/10 within +-1.5 points on 20,000 events (about 5 standard deviations).
    const share = (t: string) => (byType[t] ?? 0) / events.length;
    expect(share('page_view')).to.be.closeTo(0.5, 0.015);
    expect(share('add_to_cart')).to.be.closeTo(0.2, 0.015);
    for (const t of ['remove_from_cart', 'purchase', 'search']) expect(share(t)).to.be.closeTo(0.1, 0.015);
    if (observed.size > 0) for (const q of queries) expect(observed.has(q), q).to.equal(true);
  });

  it('formats prices as Python repr(round(x, 2)) does', () => {
    expect(formatPrice(1980)).to.equal('19.8');
    expect(formatPrice(25570)).to.equal('255.7');
    expect(formatPrice(10000)).to.equal('100.0');
    expect(formatPrice(999)).to.equal('9.99');
    expect(formatPrice(29999)).to.equal('299.99');
    expect(formatPrice(1005)).to.equal('10.05');
    // JS and Python both print the shortest round-trip repr of the same double; Python adds .0.
    for (let cents = 999; cents <= 29999; cents++) {
      const js = String(cents / 100);
      expect(formatPrice(cents)).to.equal(Number.isInteger(cents / 100) ? `${js}.0` : js);
    }
  });

  it('the byte writers of the fast path agree with the text formatters for every value', () => {
    const buf = Buffer.alloc(16);
    for (let cents = 999; cents <= 29999; cents++) {
      const end = writePrice(buf, 1, cents);
      expect(buf.toString('latin1', 1, end)).to.equal(formatPrice(cents));
    }
    for (let n = 10000; n <= 99999; n += 7) expect(buf.toString('latin1', 2, writeFiveDigits(buf, 2, n))).to.equal(String(n));
    expect(buf.toString('latin1', 0, writeFiveDigits(buf, 0, 99999))).to.equal('99999');
  });

  it('writes both timestamp styles, with and without a fraction', () => {
    const second = Date.UTC(2025, 10, 19, 17, 54, 54) / 1000;
    expect(formatTimestamp(second, 718325, 'python')).to.equal('2025-11-19T17:54:54.718325+00:00');
    expect(formatTimestamp(second, 0, 'python')).to.equal('2025-11-19T17:54:54+00:00');
    expect(formatTimestamp(second, 5, 'python')).to.equal('2025-11-19T17:54:54.000005+00:00');
    expect(formatTimestamp(second, 718325, 'z')).to.equal('2025-11-19T17:54:54.718Z');
    expect(formatTimestamp(second, 718325, 'python-seconds')).to.equal('2025-11-19T17:54:54+00:00');
    expect(formatTimestamp(second, 718325, 'z-seconds')).to.equal('2025-11-19T17:54:54Z');
  });

  it("'mixed' uses all four spellings across files, each file consistent with its eventTime", async () => {
    const { files } = await generateFiles(options({ files: 24, minEvents: 5, maxEvents: 5, intervalMinutes: 1, timestampStyle: 'mixed' }));
    const spellings = new Set<string>();
    for (const f of files) {
      const stamps = new Set(readLines(f.path).map((l) => JSON.parse(l).timestamp as string));
      expect(stamps.size).to.equal(1);
      const [ts] = [...stamps];
      spellings.add(ts.endsWith('Z') ? (ts.includes('.') ? 'z' : 'z-seconds') : ts.includes('.') ? 'python' : 'python-seconds');
      expect(new Date(ts).getTime()).to.equal(f.eventTime.getTime());
    }
    expect([...spellings].sort()).to.deep.equal(['python', 'python-seconds', 'z', 'z-seconds']);
  });
});

describe('generator: files and keys', () => {
  it('names files in the starter layout after the path time (event time + deterministic lag)', async () => {
    const opts = options({ files: 3, minEvents: 100, maxEvents: 300, start: new Date('2025-11-19T17:49:59.999Z'), intervalMinutes: 5 });
    const { files } = await generateFiles(opts);
    expect(files.map((f) => f.key)).to.deep.equal([
      'events/year=2025/month=11/day=19/hour=17/minute=50/events-20251119-175000.jsonl.gz',
      'events/year=2025/month=11/day=19/hour=17/minute=55/events-20251119-175500.jsonl.gz',
      // events at 17:59:59.xxx land in the next hour's folder, as the starter's do
      'events/year=2025/month=11/day=19/hour=18/minute=00/events-20251119-180000.jsonl.gz',
    ]);
    const last = files[2];
    expect(last.eventTime.toISOString().slice(0, 19)).to.equal('2025-11-19T17:59:59');
    expect(readLines(last.path).every((l) => JSON.parse(l).timestamp.startsWith('2025-11-19T17:59:59'))).to.equal(true);
    for (const f of files) expect(f.path).to.equal(path.resolve(opts.outDir, ...f.key.split('/')));
  });

  it('lag is 1 s per started 100,000 lines, between 1 and 30 s', () => {
    expect([1, 100_000, 100_001, 625_000, 750_000, 10_000_000].map(generationLagSeconds)).to.deep.equal([1, 1, 2, 7, 8, 30]);
    expect(sourceKey(new Date('2025-01-02T03:04:05.678Z'))).to.equal('events/year=2025/month=01/day=02/hour=03/minute=04/events-20250102-030405.jsonl.gz');
  });

  it('same seed and options give byte-identical files; another seed does not', async () => {
    const opts = { files: 2, minEvents: 1000, maxEvents: 3000, duplicateRate: 0.05, malformedRate: 0.05 };
    const a = await generateFiles(options(opts));
    const b = await generateFiles(options(opts));
    const c = await generateFiles(options({ ...opts, seed: 8 }));
    expect(a.files.map((f) => f.key)).to.deep.equal(b.files.map((f) => f.key));
    a.files.forEach((f, i) => expect(readFileSync(f.path).equals(readFileSync(b.files[i].path)), f.key).to.equal(true));
    expect(readFileSync(a.files[0].path).equals(readFileSync(c.files[0].path))).to.equal(false);
    // Node's gzip header: no mtime, no file name.
    expect([...readFileSync(a.files[0].path).subarray(3, 8)]).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('draws lines per file from [minEvents, maxEvents]', async () => {
    const { files } = await generateFiles(options({ files: 8, minEvents: 10, maxEvents: 40, intervalMinutes: 1 }));
    for (const f of files) {
      expect(f.lines).to.be.within(10, 40);
      expect(readLines(f.path)).to.have.length(f.lines);
    }
    expect(new Set(files.map((f) => f.lines)).size).to.be.greaterThan(1);
  });

  it('rejects bad options naming the option', () => {
    const bad: Array<[Partial<GenerateOptions>, RegExp]> = [
      [{ files: 0 }, /^files:/],
      [{ minEvents: 10, maxEvents: 5 }, /^maxEvents:/],
      [{ duplicateRate: 1.5 }, /^duplicateRate:/],
      [{ malformedRate: -0.1 }, /^malformedRate:/],
      [{ duplicateRate: 0.6, malformedRate: 0.6 }, /duplicateRate \+ malformedRate/],
      [{ intervalMinutes: 0 }, /^intervalMinutes:/],
      [{ seed: -1 }, /^seed:/],
      [{ start: new Date('nope') }, /^start:/],
    ];
    for (const [o, message] of bad) expect(() => validateOptions(options(o)), message.source).to.throw(RangeError, message);
  });
});

describe('generator: duplicates and faults', () => {
  it('reports exact per-file counts that an independent contract check reproduces', async () => {
    const { files } = await generateFiles(
      options({ files: 3, minEvents: 1500, maxEvents: 3000, duplicateRate: 0.05, malformedRate: 0.08, timestampStyle: 'mixed' }),
    );
    const seen = new Set<string>();
    let crossFile = 0;
    const firstFileOf = new Map<string, number>();
    files.forEach((f, index) => {
      const lines = readLines(f.path);
      expect(lines.length).to.equal(f.lines);
      const counts: Record<string, number> = { valid: 0, other: 0, malformed_json: 0, missing_field: 0, unknown_event_type: 0, bad_type: 0 };
      let duplicates = 0;
      for (const line of lines) {
        const verdict = classify(line);
        counts[verdict]++;
        if (verdict !== 'valid') continue;
        if (seen.has(line)) {
          duplicates++;
          if (firstFileOf.get(line) !== index) crossFile++;
        } else {
          seen.add(line);
          firstFileOf.set(line, index);
        }
      }
      expect(counts.other, 'lines that are neither valid nor one of the four faults').to.equal(0);
      for (const kind of FAULT_KINDS) expect(counts[kind], kind).to.equal(f.malformed[kind]);
      expect(duplicates).to.equal(f.duplicates);
      expect(counts.valid - duplicates).to.equal(f.events);
      expect(f.events + f.duplicates + FAULT_KINDS.reduce((s, k) => s + f.malformed[k], 0)).to.equal(f.lines);
      expect(f.duplicates).to.equal(Math.round(f.lines * 0.05));
      for (const kind of FAULT_KINDS) expect(f.malformed[kind]).to.be.greaterThan(0);
    });
    expect(crossFile, 'duplicates of events from an earlier file').to.be.greaterThan(0);
  });

  it('gives every faulty line exactly one fault', async () => {
    const { files } = await generateFiles(options({ minEvents: 4000, maxEvents: 4000, malformedRate: 0.5, seed: 3 }));
    for (const line of readLines(files[0].path)) {
      const verdict = classify(line);
      if (verdict === 'valid' || verdict === 'malformed_json') continue;
      const e = JSON.parse(line);
      // Repair the one fault the verdict names; the line must then be a valid starter line.
      const repaired = { ...e };
      if (verdict === 'missing_field') {
        const missing = REQUIRED.filter((k) => isBlank(e[k]));
        expect(missing, line).to.have.length(1);
        repaired[missing[0]] = { timestamp: '2025-11-19T17:00:00+00:00', user_id: 'u_10000', session_id: 's_10000', event_type: 'page_view' }[missing[0]];
        if (missing[0] === 'event_type') repaired.event_type = e.search_query !== null ? 'search' : e.quantity !== null ? 'purchase' : 'page_view';
      } else if (verdict === 'unknown_event_type') {
        repaired.event_type = e.search_query !== null ? 'search' : e.quantity !== null ? 'purchase' : 'page_view';
      } else if (verdict === 'bad_type') {
        const wrong = ['quantity', 'price'].filter((k) => (k === 'quantity' ? !intLike(e[k]) : !numLike(e[k])));
        expect(wrong, line).to.have.length(1);
        repaired[wrong[0]] = wrong[0] === 'quantity' ? 1 : 10.5;
      } else {
        expect.fail(`unexpected verdict ${verdict}: ${line}`);
      }
      const ordered = Object.fromEntries(Object.keys(JSON.parse(STARTER_LINES[0])).map((k) => [k, repaired[k]]));
      expect(classify(starterSerialize(ordered)), `${verdict}: ${line}`).to.equal('valid');
    }
  });

  it('never repeats an event by accident: fresh events of a file are pairwise distinct', () => {
    const generator = new EventGenerator({ seed: 1, duplicateRate: 0, malformedRate: 0, timestampStyle: 'python' });
    const plan = generator.planFile(new Date('2025-11-19T17:00:00Z'), 200_000, 200_000);
    const pairs = new Set<string>();
    let lines = 0;
    for (const chunk of generator.chunks(plan)) {
      for (const line of chunk.toString('latin1').split('\n')) {
        if (!line) continue;
        lines++;
        const m = /"user_id": "(u_\d+)", "session_id": "(s_\d+)"/.exec(line);
        pairs.add(`${m?.[1]}/${m?.[2]}`);
      }
    }
    expect(lines).to.equal(200_000);
    // All lines share one timestamp, so distinct (user, session) pairs make every line distinct.
    expect(pairs.size).to.equal(200_000);
  });
});

describe('generator: streaming', () => {
  it('produces the file in bounded chunks, never one string', () => {
    const generator = new EventGenerator({ seed: 5, duplicateRate: 0.1, malformedRate: 0.1, timestampStyle: 'z' });
    const plan = generator.planFile(new Date('2025-11-19T17:00:00Z'), 3000, 3000);
    const sizes = [...generator.chunks(plan, 16 * 1024)].map((c) => c.length);
    expect(sizes.length).to.be.greaterThan(20);
    for (const size of sizes) expect(size).to.be.at.most(16 * 1024);
  });

  it('writes gzip through any Writable with back-pressure and reports the sizes', async () => {
    const generator = new EventGenerator({ seed: 5, duplicateRate: 0, malformedRate: 0, timestampStyle: 'python' });
    const plan = generator.planFile(new Date('2025-11-19T17:00:00Z'), 20_000, 20_000);
    const parts: Buffer[] = [];
    const slowSink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, done) {
        parts.push(chunk);
        setImmediate(done);
      },
    });
    const sizes = await writeGzip(generator.chunks(plan), slowSink);
    const body = Buffer.concat(parts);
    expect(sizes.gzipBytes).to.equal(body.length);
    const text = gunzipSync(body).toString('latin1');
    expect(sizes.rawBytes).to.equal(text.length);
    expect(text.split('\n').filter((l) => l !== '')).to.have.length(20_000);
  });

  it('leaves no file behind when writing fails', async () => {
    const outDir = tmp();
    const blocker = path.join(outDir, 'events');
    writeFileSync(blocker, 'a file where a folder must go');
    let error: unknown;
    try {
      await generateFiles(options({ outDir }));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(Error);
    expect(readdirSync(outDir)).to.deep.equal(['events']);
  });
});

describe('generator: parallel gzip (one standard member)', () => {
  async function compress(input: Buffer, chunkSizes: number[], options: ConstructorParameters<typeof ParallelGzip>[0]): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < input.length; i++) {
      const n = chunkSizes[i % chunkSizes.length];
      chunks.push(input.subarray(at, at + n));
      at += n;
    }
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), new ParallelGzip(options), new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) }));
    return Buffer.concat(out);
  }

  // Text with long-range repeats, so matches across block boundaries matter.
  const text = Buffer.from(Array.from({ length: 40000 }, (_, i) => `{"n": ${i % 977}, "word": "${['alpha', 'beta', 'gamma'][i % 3]}"}\n`).join(''), 'latin1');

  it('round-trips and gives the same bytes however the input is chunked', async () => {
    const a = await compress(text, [1000, 7, 65536, 333], { level: 6, blockSize: 64 * 1024 });
    const b = await compress(text, [text.length], { level: 6, blockSize: 64 * 1024 });
    expect(gunzipSync(a).equals(text)).to.equal(true);
    expect(a.equals(b)).to.equal(true);
    // a single gzip member with Node's header (no mtime, no name, OS Unix)
    expect([...a.subarray(0, 10)]).to.deep.equal([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    expect(a.readUInt32LE(a.length - 4)).to.equal(text.length);
  });

  it('primes each block with the previous one (matches across the cut survive)', async () => {
    // 20 KiB of noise repeated: only back-references reaching into the previous block compress it.
    const noise = Buffer.from(Array.from({ length: 20 * 1024 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 0xff));
    const repeated = Buffer.concat(Array.from({ length: 40 }, () => noise));
    const cut = await compress(repeated, [repeated.length], { level: 6, blockSize: 32 * 1024 });
    const whole = await compress(repeated, [repeated.length], { level: 6, blockSize: 64 * 1024 * 1024 });
    expect(gunzipSync(cut).equals(repeated)).to.equal(true);
    expect(cut.length / whole.length).to.be.below(1.2);
  });

  it('handles empty input, exact block multiples and level 9', async () => {
    expect(gunzipSync(await compress(Buffer.alloc(0), [1], { level: 6 })).length).to.equal(0);
    const exact = text.subarray(0, 4 * 32 * 1024);
    expect(gunzipSync(await compress(exact, [5000], { level: 1, blockSize: 32 * 1024 })).equals(exact)).to.equal(true);
    const best = await compress(text, [4096], { level: 9, blockSize: 128 * 1024 });
    expect(best[8]).to.equal(2); // XFL: maximum compression
    expect(gunzipSync(best).equals(text)).to.equal(true);
  });
});
