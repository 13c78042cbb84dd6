/**
 * The value vocabulary of the course starter, and the pre-rendered text fragments the fast path
 * concatenates (rendering the constant parts of a line once instead of per event).
 */
import { CATEGORIES, EVENT_TYPES, EventType } from '../etl/schema';

/** Products p_<c>00<k>: category number c (1-based, order of CATEGORIES) and k = 1..5. */
export const PRODUCTS_PER_CATEGORY = 5;
export const PRODUCTS: ReadonlyArray<{ id: string; category: string }> = CATEGORIES.flatMap((category, c) =>
  Array.from({ length: PRODUCTS_PER_CATEGORY }, (_, k) => ({ id: `p_${c + 1}00${k + 1}`, category })),
);

/**
 * Search phrases: the vocabulary observed in the starter sample (fixtures/starter-sample-100.jsonl.gz);
 * the starter's own list may be longer.
 */
export const SEARCH_QUERIES: readonly string[] = ['wireless headphones', 'laptop stand', 'python books', 'coffee maker', 'yoga mat', 'desk lamp'];

/** Event type weights 50/20/10/10/10 as a 10-slot table (one draw picks a slot). */
export const EVENT_TYPE_SLOTS: readonly EventType[] = [
  ...Array<EventType>(5).fill('page_view'),
  ...Array<EventType>(2).fill('add_to_cart'),
  'remove_from_cart',
  'purchase',
  'search',
];

/** Types that carry quantity and price. */
export const PRICED_TYPES: ReadonlySet<EventType> = new Set<EventType>(['add_to_cart', 'remove_from_cart', 'purchase']);

export const USER_MIN = 10000;
export const USER_COUNT = 90000; // u_10000..u_99999
export const SESSION_MIN = 10000;
export const SESSION_COUNT = 90000; // s_10000..s_99999
export const QUANTITY_MAX = 5; // 1..5
export const PRICE_MIN_CENTS = 999; // 9.99
export const PRICE_MAX_CENTS = 29999; // 299.99

/** Per event type, per product: the text from the end of session_id to the end of the line. */
export interface Fragments {
  /** page_view: complete tail (product known, no quantity/price). */
  readonly pageViewTail: readonly string[];
  /** priced types: `", "event_type": "<t>", "product_id": "p_x", "quantity": ` per [type][product]. */
  readonly pricedHead: Readonly<Record<string, readonly string[]>>;
  /** `, "category": "<c>", "search_query": null}\n` per product. */
  readonly categoryTail: readonly string[];
  /** search: complete tail per query. */
  readonly searchTail: readonly string[];
  /** `, "price": ` joined between quantity and price. */
  readonly priceInfix: string;
}

/** The same fragments as bytes, for the hot path that writes lines straight into a Buffer. */
export interface ByteFragments {
  /** Event type per slot of EVENT_TYPE_SLOTS: 0 page_view, 1-3 priced (index into pricedHead), 4 search. */
  readonly slotKind: readonly number[];
  readonly pageViewTail: readonly Buffer[];
  readonly searchTail: readonly Buffer[];
  /** Per priced type (add_to_cart, remove_from_cart, purchase), per product x quantity: text up to the price. */
  readonly pricedHead: ReadonlyArray<readonly Buffer[]>;
  readonly categoryTail: readonly Buffer[];
  readonly sessionInfix: Buffer;
}

export const PRICED_ORDER = ['add_to_cart', 'remove_from_cart', 'purchase'] as const;

export function buildByteFragments(f: Fragments): ByteFragments {
  const ascii = (s: string) => Buffer.from(s, 'latin1');
  return {
    slotKind: EVENT_TYPE_SLOTS.map((t) => (t === 'page_view' ? 0 : t === 'search' ? 4 : 1 + PRICED_ORDER.indexOf(t as (typeof PRICED_ORDER)[number]))),
    pageViewTail: f.pageViewTail.map(ascii),
    searchTail: f.searchTail.map(ascii),
    pricedHead: PRICED_ORDER.map((t) =>
      f.pricedHead[t].flatMap((head) => Array.from({ length: QUANTITY_MAX }, (_, q) => ascii(`${head}${q + 1}${f.priceInfix}`))),
    ),
    categoryTail: f.categoryTail.map(ascii),
    sessionInfix: ascii('", "session_id": "s_'),
  };
}

export function buildFragments(): Fragments {
  const pricedHead: Record<string, string[]> = {};
  for (const type of EVENT_TYPES) {
    if (PRICED_TYPES.has(type)) pricedHead[type] = PRODUCTS.map((p) => `", "event_type": "${type}", "product_id": "${p.id}", "quantity": `);
  }
  return {
    pageViewTail: PRODUCTS.map(
      (p) => `", "event_type": "page_view", "product_id": "${p.id}", "quantity": null, "price": null, "category": "${p.category}", "search_query": null}\n`,
    ),
    pricedHead,
    categoryTail: PRODUCTS.map((p) => `, "category": "${p.category}", "search_query": null}\n`),
    searchTail: SEARCH_QUERIES.map(
      (q) => `", "event_type": "search", "product_id": null, "quantity": null, "price": null, "category": null, "search_query": ${JSON.stringify(q)}}\n`,
    ),
    priceInfix: ', "price": ',
  };
}
