/**
 * Text formats of the course starter: timestamps, prices and the source object key layout.
 */
import { partitionPath, rawEvents } from '../etl/schema';

/**
 * How a file's `timestamp` values are written.
 * - `python`: the starter's `datetime.now(timezone.utc).isoformat()`, e.g. `2025-11-19T17:54:54.718325+00:00`
 *   (Python drops the fraction when the microseconds are 0, and so do we).
 * - `z`: JavaScript's `toISOString()`, e.g. `2025-11-19T17:54:54.718Z` (the style in the starter's docs).
 * - `mixed`: each file picks one of python, z, python without fraction, z without fraction.
 */
export type TimestampStyle = 'python' | 'z' | 'mixed';
export const TIMESTAMP_STYLES: readonly TimestampStyle[] = ['python', 'z', 'mixed'];

/** The concrete spelling one file uses. */
export type TimestampSpelling = 'python' | 'python-seconds' | 'z' | 'z-seconds';
export const MIXED_SPELLINGS: readonly TimestampSpelling[] = ['python', 'python-seconds', 'z', 'z-seconds'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Renders a UTC instant given as whole epoch seconds plus microseconds (Date only holds
 * milliseconds, the starter writes microseconds).
 */
export function formatTimestamp(epochSeconds: number, micros: number, spelling: TimestampSpelling): string {
  const base = new Date(epochSeconds * 1000).toISOString().slice(0, 19);
  switch (spelling) {
    case 'python':
      return micros === 0 ? `${base}+00:00` : `${base}.${pad(micros, 6)}+00:00`;
    case 'python-seconds':
      return `${base}+00:00`;
    case 'z':
      return `${base}.${pad(Math.floor(micros / 1000), 3)}Z`;
    case 'z-seconds':
      return `${base}Z`;
  }
}

/**
 * A price in cents as Python's json module writes `round(x, 2)`: the shortest repr, so trailing
 * zeros go (19.8, not 19.80) but a whole number keeps one decimal (100.0). The starter sample has
 * both 19.8 and 255.7.
 */
export function formatPrice(cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  if (frac === 0) return `${whole}.0`;
  if (frac % 10 === 0) return `${whole}.${frac / 10}`;
  return `${whole}.${pad(frac, 2)}`;
}

/**
 * Source object key for a file written at `pathTime` (UTC):
 * `events/year=YYYY/month=MM/day=DD/hour=HH/minute=mm/events-YYYYMMDD-HHMMSS.jsonl.gz`.
 * The partition segments come from the schema module (raw.events), the file name from the starter.
 */
export function sourceKey(pathTime: Date): string {
  const iso = pathTime.toISOString();
  const [year, month, day, hour, minute, second] = [
    iso.slice(0, 4),
    iso.slice(5, 7),
    iso.slice(8, 10),
    iso.slice(11, 13),
    iso.slice(14, 16),
    iso.slice(17, 19),
  ];
  const dir = partitionPath(rawEvents, { year, month, day, hour, minute });
  return `${dir}/events-${year}${month}${day}-${hour}${minute}${second}.jsonl.gz`;
}
