/**
 * The file bound of appended partitions on the Spark engine: a batch that would leave a
 * partition with more files than etl/manifest.ts maxFilesPerPartition rewrites it as one file,
 * as the DuckDB engine does (tests/etl/local/compaction.test.ts covers the bound itself, failed
 * and killed runs). The lake before that batch is written by DuckDB once and copied, so only the
 * compacting run is a Spark run.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { EngineName, runEngine } from '../../../etl/engines';
import { RunSummary } from '../../../etl/local/engine';
import { Manifest, manifest } from '../../../etl/manifest';
import { batchTime, BRONZE_HOUR, filesPerPartition, SILVER_LATE_HOUR, writeBatch } from '../../helpers/compaction-batches';
import { lakeContents, lakeDifferences } from '../../helpers/lake-contents';
import { tempDir } from '../../helpers/source-files';
import { sparkPythonOrSkip } from '../../helpers/spark';

const BOUND = 2;
const bounded: Manifest = { ...manifest, maxFilesPerPartition: BOUND };

describe('Spark engine: files per appended partition stay bounded, as on DuckDB', function () {
  this.timeout(10 * 60 * 1000);

  it('the batch that would pass the bound rewrites the same partitions as one file each, holding the same rows on both engines', async function () {
    sparkPythonOrSkip(this);
    const source = tempDir('spark-compact-src');
    const lakes: Record<EngineName, string> = {
      duckdb: path.join(tempDir('spark-compact-duckdb'), 'lake'),
      spark: path.join(tempDir('spark-compact-spark'), 'lake'),
    };
    for (let i = 1; i <= BOUND; i++) {
      writeBatch(source, i);
      await runEngine('duckdb', { source, lake: lakes.duckdb, now: batchTime(i), manifest: bounded });
    }
    expect(filesPerPartition(lakes.duckdb).get(BRONZE_HOUR), 'files before the compacting batch').to.equal(BOUND);
    fs.cpSync(lakes.duckdb, lakes.spark, { recursive: true });

    writeBatch(source, BOUND + 1);
    const summaries = {} as Record<EngineName, RunSummary>;
    for (const e of ['duckdb', 'spark'] as const) {
      summaries[e] = await runEngine(e, { source, lake: lakes[e], now: batchTime(BOUND + 1), manifest: bounded });
      const files = filesPerPartition(lakes[e]);
      expect(
        [...files].filter(([, n]) => n > BOUND),
        `${e}: partitions over ${BOUND} files`,
      ).to.deep.equal([]);
      expect([files.get(BRONZE_HOUR), files.get(SILVER_LATE_HOUR)], `${e}: files in ${BRONZE_HOUR} and ${SILVER_LATE_HOUR}`).to.deep.equal([1, 1]);
    }
    // bronze and quarantine: the source hour; silver: the on-time hour 17 and the late hour 10
    expect(summaries.spark.partitionsCompacted).to.deep.equal({ 'bronze.events': 1, 'quarantine.events': 1, 'silver.events': 2 });
    expect(summaries.duckdb.partitionsCompacted).to.deep.equal(summaries.spark.partitionsCompacted);
    expect(lakeDifferences(await lakeContents(lakes.spark), await lakeContents(lakes.duckdb), ['spark', 'duckdb'])).to.deep.equal([]);
    expect((await lakeContents(lakes.spark))['silver.events'].rows, 'silver rows: two events per batch').to.have.length(2 * (BOUND + 1));
  });
});
