/**
 * The generator core shared by the CLI and the Lambda: plans a file (line count, timestamp,
 * key, exact fault and duplicate counts) and then produces its gzip-ready text in chunks.
 *
 * Exactness. The pipeline's figures are checked against what we report, so:
 * - duplicate and malformed counts per file are fixed at plan time (rate x lines, rounded) and the
 *   slots are chosen by selection sampling, which hits the counts exactly with O(1) memory;
 * - fresh events of one file never collide by accident: they all share the file's timestamp (as
 *   the starter's do), so (user_id, session_id) is drawn through a keyed permutation of the 90,000 x
 *   90,000 pairs (a Feistel network with cycle walking) that never repeats within a file; files of
 *   one run have different timestamps. Every silver duplicate is therefore one we injected.
 */
import { EventType } from '../etl/schema';
import {
  buildByteFragments,
  buildFragments,
  ByteFragments,
  EVENT_TYPE_SLOTS,
  PRICE_MAX_CENTS,
  PRICE_MIN_CENTS,
  PRICED_TYPES,
  PRODUCTS,
  QUANTITY_MAX,
  SEARCH_QUERIES,
  SESSION_COUNT,
  SESSION_MIN,
  USER_COUNT,
  USER_MIN,
} from './catalog';
import { EventValues, FAULT_KINDS, FaultKind, faultyLine } from './faults';
import { formatTimestamp, MIXED_SPELLINGS, sourceKey, TimestampSpelling, TimestampStyle } from './format';
import { hashSeed, Rng } from './prng';

export interface RunOptions {
  /** 32-bit unsigned seed. */
  readonly seed: number;
  /** Share of lines (0..1) that re-emit an earlier event of this run exactly. */
  readonly duplicateRate: number;
  /** Share of lines (0..1) that carry one injected fault. */
  readonly malformedRate: number;
  readonly timestampStyle: TimestampStyle;
}

export interface FilePlan {
  /** 0-based position of the file in the run. */
  readonly index: number;
  /** The events' timestamp, truncated to milliseconds. */
  readonly eventTime: Date;
  /** The exact `timestamp` text every fresh event of the file carries. */
  readonly timestamp: string;
  /** When the starter would have named the file: eventTime + generationLagSeconds(lines). */
  readonly pathTime: Date;
  /** Key relative to the bucket / output folder. */
  readonly key: string;
  /** Non-blank lines written = events + duplicates + sum(malformed). */
  readonly lines: number;
  /** Fresh valid events. */
  readonly events: number;
  /** Exact re-emissions of earlier valid events (this file or an earlier file of the run). */
  readonly duplicates: number;
  readonly malformed: Readonly<Record<FaultKind, number>>;
}

/**
 * The starter names a file after generating it, so the path time is a little later than the
 * event time and events near an hour's end land in the next hour's folder. Ours is a
 * deterministic stand-in for that lag: 1 s per started 100,000 lines, at least 1 s, at most 30 s
 * (so with files >= 1 minute apart keys never collide). Known before generation, which the
 * Lambda's multipart upload needs (the key is fixed when the upload starts).
 */
export function generationLagSeconds(lines: number): number {
  return Math.min(30, Math.max(1, Math.ceil(lines / 100_000)));
}

/** Reservoir of earlier valid lines that duplicates are drawn from (bounded memory). */
const DUPLICATE_POOL_SIZE = 8192;

// Feistel permutation over [0, 2^34) with 17-bit halves; cycle walking restricts it to [0, PAIRS).
const HALF_BITS = 17;
const HALF = 1 << HALF_BITS;
const HALF_MASK = HALF - 1;
const PAIRS = USER_COUNT * SESSION_COUNT;

function feistelRound(r: number, key: number): number {
  let h = Math.imul(r ^ key, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return h & HALF_MASK;
}

/** A bijection of [0, PAIRS): distinct inputs give distinct (user, session) pairs. */
function pairIndex(i: number, keys: readonly number[]): number {
  let x = i;
  do {
    let left = Math.floor(x / HALF);
    let right = x & HALF_MASK; // x < 2^34: the low 17 bits survive the int32 conversion
    for (let r = 0; r < keys.length; r++) {
      const next = left ^ feistelRound(right, keys[r]);
      left = right;
      right = next;
    }
    x = left * HALF + right;
  } while (x >= PAIRS);
  return x;
}

const newChunk = (bytes: number) => Buffer.allocUnsafe(bytes);

/** Room kept free in a chunk before a fresh line is written (fresh lines are under 300 bytes). */
const MAX_FAST_LINE = 512;

/** Writes a number 10000..99999 as five ASCII digits; returns the new offset. */
export function writeFiveDigits(buf: Buffer, at: number, n: number): number {
  for (let i = at + 4; i >= at; i--) {
    const q = (n / 10) | 0;
    buf[i] = 48 + n - q * 10;
    n = q;
  }
  return at + 5;
}

/** Writes cents as formatPrice does (Python's repr of round(x, 2)); returns the new offset. */
export function writePrice(buf: Buffer, at: number, cents: number): number {
  const whole = (cents / 100) | 0;
  const frac = cents - whole * 100;
  if (whole >= 100) buf[at++] = 48 + ((whole / 100) | 0);
  if (whole >= 10) buf[at++] = 48 + (((whole / 10) | 0) % 10);
  buf[at++] = 48 + (whole % 10);
  buf[at++] = 46; // '.'
  if (frac % 10 === 0) {
    buf[at++] = 48 + frac / 10;
  } else {
    buf[at++] = 48 + ((frac / 10) | 0);
    buf[at++] = 48 + (frac % 10);
  }
  return at;
}

function emptyFaultCounts(): Record<FaultKind, number> {
  return { malformed_json: 0, missing_field: 0, unknown_event_type: 0, bad_type: 0 };
}

interface PlanState extends FilePlan {
  readonly spelling: TimestampSpelling;
  /** Slot 0 must be a fresh event: the first file of a run that has duplicates to draw. */
  readonly firstSlotFresh: boolean;
  readonly faultOffset: number;
}

export class EventGenerator {
  private readonly bytes: ByteFragments = buildByteFragments(buildFragments());
  private readonly pool: Buffer[] = [];
  private poolSeen = 0;
  private planned = 0;
  private written = 0;

  constructor(private readonly run: RunOptions) {}

  /**
   * Fixes the next file: its line count (uniform in [minLines, maxLines]), timestamp, key and
   * counts. `fileTime`'s whole second is kept; the sub-second digits come from the seed, as the
   * starter's clock would supply them.
   */
  planFile(fileTime: Date, minLines: number, maxLines: number): FilePlan {
    const index = this.planned++;
    const rng = new Rng(hashSeed(this.run.seed, 'plan', index));
    const lines = minLines + rng.int(maxLines - minLines + 1);
    const spelling: TimestampSpelling = this.run.timestampStyle === 'mixed' ? MIXED_SPELLINGS[rng.int(MIXED_SPELLINGS.length)] : this.run.timestampStyle;
    const drawnMicros = rng.int(1_000_000);
    const micros = spelling.endsWith('-seconds') ? 0 : drawnMicros;
    const second = Math.floor(fileTime.getTime() / 1000);
    const eventTime = new Date(second * 1000 + Math.floor(micros / 1000));
    const pathTime = new Date(eventTime.getTime() + generationLagSeconds(lines) * 1000);

    let malformedTotal = Math.min(lines, Math.round(lines * this.run.malformedRate));
    let duplicates = Math.round(lines * this.run.duplicateRate);
    const firstFile = index === 0;
    const room = lines - malformedTotal - (firstFile && duplicates > 0 ? 1 : 0);
    if (duplicates > room) duplicates = Math.max(0, room);
    if (malformedTotal + duplicates > lines) malformedTotal = lines - duplicates;

    const faultOffset = rng.int(FAULT_KINDS.length);
    const malformed = emptyFaultCounts();
    for (let j = 0; j < malformedTotal; j++) malformed[FAULT_KINDS[(faultOffset + j) % FAULT_KINDS.length]]++;

    const plan: PlanState = {
      index,
      eventTime,
      timestamp: formatTimestamp(second, micros, spelling),
      pathTime,
      key: sourceKey(pathTime),
      lines,
      events: lines - duplicates - malformedTotal,
      duplicates,
      malformed,
      spelling,
      firstSlotFresh: firstFile && duplicates > 0,
      faultOffset,
    };
    return plan;
  }

  /**
   * The file's text as Buffers of at most `chunkBytes` bytes (ASCII). Files must be written in plan
   * order: duplicates draw on the lines of earlier files.
   */
  *chunks(filePlan: FilePlan, chunkBytes = 128 * 1024): Generator<Buffer, void, undefined> {
    const plan = filePlan as PlanState;
    if (plan.index !== this.written) throw new Error(`EventGenerator: file ${plan.index} written out of order (expected ${this.written})`);
    this.written++;
    const rng = new Rng(hashSeed(this.run.seed, 'events', plan.index));
    const keys = [rng.uint32() & HALF_MASK, rng.uint32() & HALF_MASK, rng.uint32() & HALF_MASK, rng.uint32() & HALF_MASK];
    // Imported bindings are module getters once transpiled to CommonJS: read them once, not per line.
    const bytes = this.bytes;
    const { slotKind, pageViewTail, searchTail, pricedHead, categoryTail, sessionInfix } = bytes;
    const productCount = PRODUCTS.length;
    const queryCount = SEARCH_QUERIES.length;
    const userMin = USER_MIN;
    const sessionMin = SESSION_MIN;
    const sessionCount = SESSION_COUNT;
    const quantityMax = QUANTITY_MAX;
    const priceMin = PRICE_MIN_CENTS;
    const priceSpan = PRICE_MAX_CENTS - PRICE_MIN_CENTS + 1;
    const keepPool = this.run.duplicateRate > 0;
    const prefix = Buffer.from(`{"timestamp": "${plan.timestamp}", "user_id": "u_`, 'latin1');
    const faultTotal = plan.lines - plan.events - plan.duplicates;

    let freshIndex = 0;
    let dupLeft = plan.duplicates;
    let faultLeft = faultTotal;
    let slotsLeft = plan.lines - (plan.firstSlotFresh ? 1 : 0);
    let faultsDone = 0;
    // Lines are written straight into a Buffer from pre-encoded fragments and digits: building
    // strings and concatenating them costs several times more (V8 ropes are slow to flatten).
    let chunk = newChunk(chunkBytes);
    let used = 0;

    for (let slot = 0; slot < plan.lines; slot++) {
      if (used + MAX_FAST_LINE > chunk.length) {
        if (used > 0) yield chunk.subarray(0, used);
        chunk = newChunk(chunkBytes);
        used = 0;
      }
      let choice = 0; // 0 fresh, 1 duplicate, 2 fault
      if (!(slot === 0 && plan.firstSlotFresh)) {
        // Selection sampling: each remaining slot is equally likely to hold each remaining duplicate/fault.
        const r = rng.float() * slotsLeft--;
        if (r < dupLeft) choice = 1;
        else if (r < dupLeft + faultLeft) choice = 2;
      }
      if (choice !== 0) {
        let line: Buffer;
        if (choice === 1) {
          dupLeft--;
          line = this.pool[rng.int(this.pool.length)];
        } else {
          faultLeft--;
          const kind = FAULT_KINDS[(plan.faultOffset + faultsDone++) % FAULT_KINDS.length];
          const base = this.eventValues(rng, plan.timestamp, pairIndex(freshIndex++, keys), kind === 'bad_type');
          line = Buffer.from(faultyLine(kind, base, (n) => rng.int(n)) + '\n', 'latin1');
        }
        if (used + line.length > chunk.length) {
          if (used > 0) yield chunk.subarray(0, used);
          chunk = newChunk(Math.max(chunkBytes, line.length));
          used = 0;
        }
        chunk.set(line, used);
        used += line.length;
        continue;
      }

      const start = used;
      const p = pairIndex(freshIndex++, keys);
      chunk.set(prefix, used);
      used = writeFiveDigits(chunk, used + prefix.length, userMin + Math.floor(p / sessionCount));
      chunk.set(sessionInfix, used);
      used = writeFiveDigits(chunk, used + sessionInfix.length, sessionMin + (p % sessionCount));
      const kind = slotKind[rng.int(10)];
      let tail: Buffer;
      if (kind === 0) {
        tail = pageViewTail[rng.int(productCount)];
      } else if (kind === 4) {
        tail = searchTail[rng.int(queryCount)];
      } else {
        const product = rng.int(productCount);
        const quantity = 1 + rng.int(quantityMax);
        const head = pricedHead[kind - 1][product * quantityMax + quantity - 1];
        chunk.set(head, used);
        used = writePrice(chunk, used + head.length, priceMin + rng.int(priceSpan));
        tail = categoryTail[product];
      }
      chunk.set(tail, used);
      used += tail.length;
      if (keepPool) this.remember(chunk, start, used, rng);
    }
    if (dupLeft !== 0 || faultLeft !== 0) throw new Error(`EventGenerator: internal count mismatch in file ${plan.index}`);
    if (used > 0) yield chunk.subarray(0, used);
  }

  /**
   * Reservoir sampling (Algorithm R): every earlier valid line is equally likely to be re-emitted.
   * The line's bytes are copied only when it enters the pool.
   */
  private remember(chunk: Buffer, start: number, end: number, rng: Rng): void {
    this.poolSeen++;
    if (this.pool.length < DUPLICATE_POOL_SIZE) this.pool.push(Buffer.from(chunk.subarray(start, end)));
    else {
      const j = rng.int(this.poolSeen);
      if (j < DUPLICATE_POOL_SIZE) this.pool[j] = Buffer.from(chunk.subarray(start, end));
    }
  }

  /** A valid event as values (the slow path, used only as the base of a faulty line). */
  private eventValues(rng: Rng, timestamp: string, pair: number, priced: boolean): EventValues {
    let type: EventType = EVENT_TYPE_SLOTS[rng.int(10)];
    if (priced && !PRICED_TYPES.has(type)) type = (['add_to_cart', 'remove_from_cart', 'purchase'] as const)[rng.int(3)];
    const common = {
      timestamp,
      user_id: `u_${USER_MIN + Math.floor(pair / SESSION_COUNT)}`,
      session_id: `s_${SESSION_MIN + (pair % SESSION_COUNT)}`,
      event_type: type,
    };
    if (type === 'search') {
      return { ...common, product_id: null, quantity: null, priceCents: null, category: null, search_query: SEARCH_QUERIES[rng.int(SEARCH_QUERIES.length)] };
    }
    const product = PRODUCTS[rng.int(PRODUCTS.length)];
    const isPriced = PRICED_TYPES.has(type);
    return {
      ...common,
      product_id: product.id,
      quantity: isPriced ? 1 + rng.int(QUANTITY_MAX) : null,
      priceCents: isPriced ? PRICE_MIN_CENTS + rng.int(PRICE_MAX_CENTS - PRICE_MIN_CENTS + 1) : null,
      category: product.category,
      search_query: null,
    };
  }
}
