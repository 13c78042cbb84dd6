/** Tampered copies of a lake: what the checks must catch, on Trino as on DuckDB. */
import * as fs from 'fs';
import * as path from 'path';
import { openDuck, sqlString } from '../../../etl/local/duck';
import { listPartitionDirs } from '../../../etl/local/partitions';
import { goldHourlyRevenue, silverEvents } from '../../../etl/schema';

/** Rewrites the Parquet files of one partition through DuckDB, `transform` applied to their rows. */
export async function rewritePartition(lake: string, relDir: string, transform: (from: string) => string): Promise<void> {
  const dir = path.join(lake, relDir);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => path.join(dir, f));
  const tmp = path.join(dir, 'tampered.tmp');
  const duck = await openDuck();
  try {
    const from = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;
    await duck.connection.run(`COPY (${transform(from)}) TO ${sqlString(tmp)} (FORMAT parquet)`);
  } finally {
    duck.close();
  }
  for (const f of files) fs.rmSync(f);
  fs.renameSync(tmp, path.join(dir, 'tampered.parquet'));
}

export interface Tampering {
  readonly name: string;
  /** Check ids that must fail on the tampered lake (others may fail with them: a duplicated silver row also changes silver's counts). */
  readonly failing: readonly string[];
  readonly apply: (lake: string) => Promise<void>;
}

/** The tamperings tests/etl/local/checks.test.ts shows the DuckDB runner catching. */
export const TAMPERINGS: readonly Tampering[] = [
  {
    name: 'one silver row duplicated',
    failing: ['reconciliation', 'silver_unique_event'],
    apply: async (lake) => {
      const [rel] = listPartitionDirs(lake, silverEvents);
      await rewritePartition(lake, rel, (from) => `SELECT * FROM ${from} UNION ALL (SELECT * FROM ${from} LIMIT 1)`);
    },
  },
  {
    name: 'a gold revenue total altered',
    failing: ['gold_hourly_revenue_matches_silver'],
    apply: async (lake) => {
      const [rel] = listPartitionDirs(lake, goldHourlyRevenue);
      await rewritePartition(lake, rel, (from) => `SELECT event_hour, CAST(revenue + 1 AS DECIMAL(18, 2)) AS revenue, purchases, units FROM ${from}`);
    },
  },
  {
    name: 'silver rows moved into another event-hour partition',
    failing: ['silver_partitions_match_event_time'],
    apply: async (lake) => {
      const [first, second] = listPartitionDirs(lake, silverEvents);
      for (const f of fs.readdirSync(path.join(lake, first))) fs.renameSync(path.join(lake, first, f), path.join(lake, second, `moved-${f}`));
      fs.rmSync(path.join(lake, first), { recursive: true });
    },
  },
];
