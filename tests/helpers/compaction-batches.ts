/**
 * Small batches that all land in the same partitions, for the file bound of appended partitions
 * (etl/manifest.ts maxFilesPerPartition): each batch adds one file to the bronze and quarantine
 * hour of its source path, to silver's on-time hour 17 and to silver's late hour 10.
 */
import { LAKE_TABLES } from '../../etl/schema';
import { listPartitionDirs, partitionFiles } from '../../etl/local/partitions';
import { eventLine, keyAt, writeSource } from './source-files';

export const BRONZE_HOUR = 'bronze/events/year=2025/month=11/day=19/hour=17';
export const SILVER_LATE_HOUR = 'silver/events/event_date=2025-11-19/event_hour=10';

/** Source file of batch i (path time 17:10 + 5i min): an on-time event, a late one from 10:00, a line for quarantine. */
export function writeBatch(source: string, i: number): void {
  const minute = String(10 + 5 * i).padStart(2, '0');
  writeSource(source, keyAt(`2025-11-19T17:${minute}:00Z`), [
    eventLine({ user_id: `u_1000${i}`, timestamp: `2025-11-19T17:${minute}:00Z` }),
    eventLine({ user_id: `u_2000${i}`, timestamp: `2025-11-19T10:0${i}:00Z`, event_type: 'page_view', quantity: null, price: null }),
    `not json ${i}`,
  ]);
}

/** The batch time of batch i, the same in every lake so whole rows (ingested_at too) compare. */
export const batchTime = (i: number) => new Date(Date.UTC(2025, 10, 19, 18, i));

/** Files per partition directory, over every table of the lake. */
export function filesPerPartition(lake: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const table of LAKE_TABLES) for (const rel of listPartitionDirs(lake, table)) out.set(rel, partitionFiles(lake, [rel]).length);
  return out;
}
