/**
 * The adversarial corpus (tests/fixtures/adversarial-corpus.ts) checked against itself, without
 * any engine: every line's bytes are what its expectation says (invalid UTF-8 really is, JSON the
 * policy calls malformed really breaks a rule of it and no other line does), valid lines carry
 * silver values that agree with their JSON, and the source files read back to exactly the lines.
 */
import { expect } from 'chai';
import * as zlib from 'zlib';
import {
  ADVERSARIAL_INGESTED_AT,
  ADVERSARIAL_LINES,
  CorpusLine,
  MAX_LINE_BYTES,
  QUARANTINE_REASONS,
  adversarialSourceFiles,
} from '../fixtures/adversarial-corpus';

const EVENT_TYPES = ['page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search'];
const TEXT_FIELDS = ['user_id', 'session_id', 'event_type', 'product_id', 'category', 'search_query'] as const;
const fatal = new TextDecoder('utf-8', { fatal: true });

const isUtf8 = (b: Buffer): boolean => {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Top-level keys of a JSON object text in order, duplicates kept (the text is known to parse). */
function topLevelKeys(json: string): string[] {
  return rawTopLevelKeys(json).map((token) => JSON.parse(token) as string);
}

/** Top-level keys as written (quotes and escapes included). */
function rawTopLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && /^ *:/.test(json.slice(j + 1))) keys.push(json.slice(i, j + 1));
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  return false;
}

/** Why a record line is malformed_json under policy 3 of the corpus, or null when it is not. */
function malformedBecause(line: string): string | null {
  if (/[\u0000-\u001f]/.test(line)) return 'raw control character';
  const inner = line.replace(/^ +/, '').replace(/ +$/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(inner);
  } catch {
    return 'not RFC 8259 JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not an object';
  const keys = topLevelKeys(inner);
  if (new Set(keys).size !== keys.length) return 'duplicate key';
  if (Object.values(parsed as object).some((v) => v !== null && typeof v === 'object')) return 'nested value';
  if (rawTopLevelKeys(inner).some((k) => k.includes('\\'))) return 'key written with an escape';
  if (hasLoneSurrogate(parsed)) return 'lone surrogate escape';
  return null;
}

/** Top-level members of a JSON object text as [key, raw value text] (the text is known to parse). */
function topLevelMembers(json: string): [string, string][] {
  const members: [string, string][] = [];
  let depth = 0;
  let key: string | null = null;
  let valueStart = -1;
  const endValue = (i: number) => {
    if (key !== null && valueStart >= 0) members.push([key, json.slice(valueStart, i).trim()]);
    key = null;
    valueStart = -1;
  };
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && key === null && valueStart < 0) key = JSON.parse(json.slice(i, j + 1)) as string;
      i = j;
    } else if (c === ':' && depth === 1 && valueStart < 0) valueStart = i + 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 1) endValue(i);
      depth--;
    } else if (c === ',' && depth === 1) endValue(i);
  }
  return members;
}

const DAY_MICROS = 86_400_000_000n;
const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

/** Epoch microseconds of a timestamp under policy 9, or null when it is not one. */
function timestampMicros(ts: string): bigint | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|([-+])(\d{2}):(\d{2}))?$/.exec(ts);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  if (h > 23 || mi > 59 || se > 59) return null;
  // setUTCFullYear: Date.UTC reads a year below 100 as 19xx
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (om > 59 || oh * 60 + om > 18 * 60) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0'));
  date.setUTCHours(h, mi, se);
  return BigInt(date.getTime()) * 1000n + fraction - BigInt(offsetMinutes) * 60_000_000n;
}

const isoMicros = (us: bigint): string => `${new Date(Number(us / 1000n)).toISOString().slice(0, 19)}.${String(us % 1_000_000n).padStart(6, '0')}Z`;

/** Cents of a price text under policy 7, or null when it is not a price the lake can hold. */
function priceCents(raw: string): bigint | null {
  const m = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/.exec(raw);
  if (!m) return null;
  const cents = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  if (cents > 9_999_999_999n) return null;
  return m[1] === '-' ? -cents : cents;
}

/** The value of a quantity text under policy 8, or null when it is not an INT quantity. */
function quantityValue(raw: string): bigint | null {
  const m = /^(-?(?:0|[1-9][0-9]*))(?:\.0+)?$/.exec(raw);
  if (!m) return null;
  const n = BigInt(m[1]);
  return n > 2147483647n || n < -2147483648n ? null : n;
}

const TYPES_NEEDING_PRODUCT = ['page_view', 'add_to_cart', 'remove_from_cart', 'purchase'];
const CART_TYPES = ['add_to_cart', 'remove_from_cart', 'purchase'];

/** Policy 4-14 applied to a line that is a well-formed object: its reason, or its silver values. */
function classify(line: string): { reason: string } | { silver: Record<string, string | number | null> } {
  const raw = new Map(topLevelMembers(line.trim()));
  const value = (k: string): unknown => (raw.has(k) ? JSON.parse(raw.get(k) as string) : undefined);
  const present = (k: string): boolean => ![undefined, null, ''].includes(value(k) as string);
  if (!['timestamp', 'user_id', 'session_id', 'event_type'].every(present)) return { reason: 'missing_field' };
  const type = value('event_type');
  if (typeof type !== 'string' || !EVENT_TYPES.includes(type)) return { reason: 'unknown_event_type' };
  const needed = [
    ...(TYPES_NEEDING_PRODUCT.includes(type) ? ['product_id', 'category'] : []),
    ...(CART_TYPES.includes(type) ? ['quantity', 'price'] : []),
    ...(type === 'search' ? ['search_query'] : []),
  ];
  if (!needed.every(present)) return { reason: 'missing_field' };
  const ts = value('timestamp');
  const at = typeof ts === 'string' ? timestampMicros(ts) : null;
  if (at === null) return { reason: 'bad_timestamp' };
  if (at < micros('2024-01-01T00:00:00Z') || at >= micros(ADVERSARIAL_INGESTED_AT) + DAY_MICROS) return { reason: 'out_of_range' };
  const cents = present('price') ? (typeof value('price') === 'number' ? priceCents(raw.get('price') as string) : null) : undefined;
  const quantity = present('quantity') ? (typeof value('quantity') === 'number' ? quantityValue(raw.get('quantity') as string) : null) : undefined;
  if (cents === null || quantity === null) return { reason: 'bad_type' };
  for (const f of ['user_id', 'session_id', 'product_id', 'category', 'search_query']) {
    const v = value(f);
    if (present(f) && (typeof v !== 'string' || v.includes('\u0000'))) return { reason: 'bad_type' };
  }
  if ((cents !== undefined && cents < 0n) || (quantity !== undefined && quantity < 1n)) return { reason: 'out_of_range' };
  const revenue = type === 'purchase' && cents !== undefined && quantity !== undefined ? cents * quantity : undefined;
  if (revenue !== undefined && revenue >= 1_000_000_000_000n) return { reason: 'out_of_range' };
  const money = (c: bigint): string => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
  const textOf = (k: string): string | null => (present(k) ? (value(k) as string) : null);
  return {
    silver: {
      event_ts: isoMicros(at),
      user_id: textOf('user_id'),
      session_id: textOf('session_id'),
      event_type: type,
      product_id: textOf('product_id'),
      quantity: quantity === undefined ? null : Number(quantity),
      price: cents === undefined ? null : money(cents),
      category: textOf('category'),
      search_query: textOf('search_query'),
      revenue: revenue === undefined ? null : money(revenue),
    },
  };
}

const text = (l: CorpusLine): string => l.bytes.toString('utf8');
const records = ADVERSARIAL_LINES.filter((l) => !['blank', 'bad_encoding', 'line_too_long'].includes(l.expect));
const validLines = ADVERSARIAL_LINES.filter((l) => l.expect === 'valid');

/** The reader's rules: BOM at file start removed, split at LF, CR before LF dropped, nothing after a final LF. */
function readLines(content: Buffer): Buffer[] {
  let body = content;
  if (body.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) body = body.subarray(3);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, start)) {
    const end = i > start && body[i - 1] === 0x0d ? i - 1 : i;
    out.push(body.subarray(start, end));
    start = i + 1;
  }
  if (start < body.length) out.push(body.subarray(start));
  return out;
}

describe('adversarial corpus (tests/fixtures/adversarial-corpus.ts)', () => {
  it('has at least 180 lines with every quarantine reason, valid and blank lines', () => {
    expect(ADVERSARIAL_LINES.length).to.be.at.least(180);
    const outcomes = new Set(ADVERSARIAL_LINES.map((l) => l.expect));
    for (const reason of [...QUARANTINE_REASONS, 'valid', 'blank']) expect(outcomes, reason).to.include(reason);
    for (const l of ADVERSARIAL_LINES) {
      expect([...QUARANTINE_REASONS, 'valid', 'blank'], l.rule).to.include(l.expect);
      expect(l.rule.length, 'every line names what it exercises').to.be.greaterThan(0);
    }
    expect(new Set(ADVERSARIAL_LINES.map((l) => l.rule)).size, 'rules are distinct').to.equal(ADVERSARIAL_LINES.length);
  });

  it('no line holds a LF or ends in a CR, which the reader would take as a terminator', () => {
    for (const l of ADVERSARIAL_LINES) {
      expect(l.bytes.includes(0x0a), l.rule).to.equal(false);
      expect(l.bytes.length > 0 && l.bytes[l.bytes.length - 1] === 0x0d, l.rule).to.equal(false);
    }
  });

  it('exactly the bad_encoding lines are invalid UTF-8', () => {
    for (const l of ADVERSARIAL_LINES) expect(isUtf8(l.bytes), `${l.rule}: ${l.expect}`).to.equal(l.expect !== 'bad_encoding');
  });

  it('exactly the line_too_long line is over 1 MiB, and one line is exactly at the bound', () => {
    for (const l of ADVERSARIAL_LINES) expect(l.bytes.length > MAX_LINE_BYTES, l.rule).to.equal(l.expect === 'line_too_long');
    const atBound = ADVERSARIAL_LINES.filter((l) => l.bytes.length === MAX_LINE_BYTES);
    expect(atBound.map((l) => l.expect)).to.deep.equal(['valid']);
    expect(ADVERSARIAL_LINES.find((l) => l.expect === 'line_too_long')?.bytes.length).to.equal(MAX_LINE_BYTES + 1);
  });

  it('exactly the blank lines are empty or U+0020 only', () => {
    for (const l of ADVERSARIAL_LINES) expect(/^ *$/.test(text(l)), l.rule).to.equal(l.expect === 'blank');
    const lookAlikes = records.filter((l) => /^\s+$/u.test(text(l)));
    expect(lookAlikes.length, 'tab, NBSP... only lines are records').to.be.at.least(3);
  });

  it('exactly the malformed_json records break a rule of policy 3 (RFC 8259 object, U+0020 around, no raw controls, no duplicate keys, no lone surrogates)', () => {
    for (const l of records) {
      const why = malformedBecause(text(l));
      if (l.expect === 'malformed_json') expect(why, l.rule).to.not.equal(null);
      else expect(why, l.rule).to.equal(null);
    }
  });

  it('lines other than the structural and encoding cases start from the starter format', () => {
    const starterShaped = records.filter((l) => l.expect !== 'malformed_json' && !/^ *\{ *\}$/.test(text(l)));
    for (const l of starterShaped) expect(text(l), l.rule).to.match(/^ *\{ *"[^"]+" *: ?/);
    expect(starterShaped.filter((l) => text(l).startsWith('{"timestamp": "')).length).to.be.greaterThan(150);
  });

  it('valid lines carry silver values that agree with their JSON, in range, and no two are the same event', () => {
    const users = new Set<string>();
    for (const l of validLines) {
      const parsed = JSON.parse(text(l)) as Record<string, unknown>;
      const silver = l.silver ?? {};
      expect(EVENT_TYPES, l.rule).to.include(parsed.event_type);
      for (const f of TEXT_FIELDS) {
        if (f in silver) expect(silver[f], `${l.rule}: ${f}`).to.equal(parsed[f] === '' || parsed[f] === undefined ? null : parsed[f]);
      }
      if (silver.price !== undefined && silver.price !== null) {
        expect(silver.price, l.rule).to.match(/^\d+\.\d{2}$/);
        expect(Number(silver.price), l.rule).to.equal(Math.abs(parsed.price as number));
      }
      if (silver.quantity !== undefined) expect(silver.quantity, l.rule).to.equal(parsed.quantity ?? null);
      if (typeof silver.event_ts === 'string') {
        expect(silver.event_ts, l.rule).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        const ts = parsed.timestamp as string;
        const withZone = /(Z|[-+]\d{2}:\d{2})$/.test(ts) ? ts : `${ts}Z`;
        expect(Date.parse(withZone), `${l.rule}: same instant`).to.equal(Date.parse(silver.event_ts));
        expect(Date.parse(silver.event_ts)).to.be.at.least(Date.parse('2024-01-01T00:00:00Z'));
        expect(Date.parse(silver.event_ts)).to.be.below(Date.parse(ADVERSARIAL_INGESTED_AT) + 86_400_000);
      }
      if (typeof silver.revenue === 'string') {
        const cents = BigInt(Math.round((parsed.price as number) * 100)) * BigInt(parsed.quantity as number);
        expect(silver.revenue, l.rule).to.equal(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
      }
      const user = JSON.stringify(parsed.user_id);
      expect(users.has(user), `${l.rule}: user_id ${user} appears in another valid line`).to.equal(false);
      users.add(user);
    }
    for (const l of ADVERSARIAL_LINES) if (l.expect !== 'valid') expect(l.silver, l.rule).to.equal(undefined);
  });

  it('a second derivation of policy 4-14 gives every well-formed record its stated outcome and silver values', () => {
    for (const l of records.filter((r) => r.expect !== 'malformed_json')) {
      const got = classify(text(l));
      if (l.expect === 'valid') {
        expect(got, l.rule).to.have.property('silver');
        const silver = (got as { silver: Record<string, unknown> }).silver;
        for (const [k, v] of Object.entries(l.silver ?? {})) expect(silver[k], `${l.rule}: ${k}`).to.deep.equal(v);
      } else expect(got, l.rule).to.deep.equal({ reason: l.expect });
    }
  });

  it('source files are bucket keys whose content reads back to exactly the lines, with a BOM, CRLF and no final newline', () => {
    const files = adversarialSourceFiles();
    expect(files.length).to.be.at.least(3);
    const contents = files.map((f) => zlib.gunzipSync(f.gzip));
    for (const f of files) expect(f.key).to.match(/^events\/year=2025\/month=11\/day=19\/hour=17\/minute=\d{2}\/events-20251119-17\d{4}\.jsonl\.gz$/);
    expect(new Set(files.map((f) => f.key)).size).to.equal(files.length);
    const read = contents.flatMap(readLines);
    expect(read.length).to.equal(ADVERSARIAL_LINES.length);
    read.forEach((b, i) => expect(b.equals(ADVERSARIAL_LINES[i].bytes), ADVERSARIAL_LINES[i].rule).to.equal(true));
    expect(contents.filter((c) => c.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).length, 'a file starting with a BOM').to.equal(1);
    const crlf = contents.filter((c) => {
      const lf = c.filter((b) => b === 0x0a).length;
      return lf > 0 && c.toString('latin1').split('\r\n').length - 1 === lf;
    });
    expect(crlf.length, 'a file with CRLF terminators only').to.equal(1);
    expect(contents.filter((c) => c[c.length - 1] !== 0x0a).length, 'a file without a final newline').to.equal(1);
    // a line starting with a BOM first in its file would lose the BOM to the reader
    for (const c of contents)
      expect(
        readLines(c)[0]
          .subarray(0, 3)
          .equals(Buffer.from([0xef, 0xbb, 0xbf])),
      ).to.equal(false);
  });
});
