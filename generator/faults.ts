/**
 * Injected bad records. Each faulty line carries exactly ONE fault, chosen so that the pipeline's
 * quarantine reason (first that applies: malformed_json > missing_field > unknown_event_type >
 * ... > bad_type) is exactly the kind we report: every other field of the line is valid.
 */
import { EventType } from '../etl/schema';
import { formatPrice } from './format';

export const FAULT_KINDS = ['malformed_json', 'missing_field', 'unknown_event_type', 'bad_type'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A valid event's field values (price in cents), the base a fault is applied to. */
export interface EventValues {
  readonly timestamp: string;
  readonly user_id: string;
  readonly session_id: string;
  readonly event_type: EventType;
  readonly product_id: string | null;
  readonly quantity: number | null;
  readonly priceCents: number | null;
  readonly category: string | null;
  readonly search_query: string | null;
}

/** [key, JSON text of the value] in the starter's key order. */
type Pair = [string, string];

const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));

export function eventPairs(e: EventValues): Pair[] {
  return [
    ['timestamp', str(e.timestamp)],
    ['user_id', str(e.user_id)],
    ['session_id', str(e.session_id)],
    ['event_type', str(e.event_type)],
    ['product_id', str(e.product_id)],
    ['quantity', e.quantity === null ? 'null' : String(e.quantity)],
    ['price', e.priceCents === null ? 'null' : formatPrice(e.priceCents)],
    ['category', str(e.category)],
    ['search_query', str(e.search_query)],
  ];
}

/** The starter's serialization: `{"k": v, "k": v}` (Python json.dumps defaults). */
export function renderPairs(pairs: readonly Pair[]): string {
  return `{${pairs.map(([k, v]) => `"${k}": ${v}`).join(', ')}}`;
}

/** Fields every event needs (missing one is the highest-priority missing_field). */
export const REQUIRED_FIELDS = ['timestamp', 'user_id', 'session_id', 'event_type'] as const;

/**
 * Event types that are not in the contract. No case or separator variant of a valid type
 * (e.g. "Purchase"), so that a lenient reader that lower-cases cannot make one valid;
 * "PageView" lower-cases to "pageview", still unknown.
 */
export const UNKNOWN_EVENT_TYPES = ['PageView', 'checkout', 'click', 'add-to-cart', 'wishlist'] as const;

/** Wrong JSON types for quantity or price (numeric strings such as "3" or "19.99" are valid, so none here). */
export const BAD_TYPE_VARIANTS: ReadonlyArray<{ field: 'quantity' | 'price'; text: string }> = [
  { field: 'quantity', text: '"abc"' },
  { field: 'quantity', text: '2.5' },
  { field: 'quantity', text: 'true' },
  { field: 'price', text: '"x"' },
  { field: 'price', text: '"free"' },
];

/** Draws an integer in [0, n). */
export type Pick = (n: number) => number;

/**
 * Renders `base` with one fault of `kind`. For bad_type the caller must pass a priced event
 * (add_to_cart, remove_from_cart, purchase) so that quantity and price exist.
 */
export function faultyLine(kind: FaultKind, base: EventValues, pick: Pick): string {
  const pairs = eventPairs(base);
  const set = (key: string, text: string) => {
    const pair = pairs.find((p) => p[0] === key);
    if (!pair) throw new Error(`faultyLine: no field ${key}`);
    pair[1] = text;
  };
  switch (kind) {
    case 'malformed_json': {
      const valid = renderPairs(pairs);
      switch (pick(3)) {
        case 0: // cut short, as by a partial write: a proper prefix of an object is never JSON
          return valid.slice(0, 1 + pick(valid.length - 1));
        case 1: // single quotes are not JSON
          return valid.replace(/"/g, "'");
        default: // trailing comma
          return `${valid.slice(0, -1)}, }`;
      }
    }
    case 'missing_field': {
      const field = REQUIRED_FIELDS[pick(REQUIRED_FIELDS.length)];
      switch (pick(3)) {
        case 0:
          set(field, 'null');
          break;
        case 1:
          set(field, '""');
          break;
        default:
          pairs.splice(
            pairs.findIndex((p) => p[0] === field),
            1,
          );
      }
      return renderPairs(pairs);
    }
    case 'unknown_event_type':
      set('event_type', JSON.stringify(UNKNOWN_EVENT_TYPES[pick(UNKNOWN_EVENT_TYPES.length)]));
      return renderPairs(pairs);
    case 'bad_type': {
      if (base.quantity === null || base.priceCents === null) throw new Error('faultyLine: bad_type needs a priced event');
      const variant = BAD_TYPE_VARIANTS[pick(BAD_TYPE_VARIANTS.length)];
      set(variant.field, variant.text);
      return renderPairs(pairs);
    }
  }
}
