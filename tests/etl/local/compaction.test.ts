/**
 * The file bound of appended partitions (etl/manifest.ts maxFilesPerPartition): an append that
 * would leave a partition with more files than the bound rewrites it as one file, with exactly
 * the rows it would have had, inside the run's all-or-nothing commit.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { runIncremental, RunSummary } from '../../../etl/local/engine';
import { recoverInterruptedRuns } from '../../../etl/local/partitions';
import { ETL_DIR, Manifest, manifest } from '../../../etl/manifest';
import { LAKE_TABLES } from '../../../etl/schema';
import { batchTime, BRONZE_HOUR, filesPerPartition, SILVER_LATE_HOUR, writeBatch } from '../../helpers/compaction-batches';
import { lakeFiles, runKilledAfterStep } from '../../helpers/killed-runs';
import { lakeContents, lakeDifferences } from '../../helpers/lake-contents';
import { tempDir } from '../../helpers/source-files';

const BOUND = 3;
const bounded: Manifest = { ...manifest, maxFilesPerPartition: BOUND };

/** Runs batches `from`..`to` (inclusive) one run each, returning every run's summary. */
async function runBatches(source: string, lake: string, from: number, to: number, pipeline: Manifest = bounded): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (let i = from; i <= to; i++) {
    writeBatch(source, i);
    out.push(await runIncremental({ source, lake, now: batchTime(i), manifest: pipeline }));
  }
  return out;
}

describe('local engine: files per appended partition stay bounded', function () {
  this.timeout(240_000);

  it('the manifest bound is one whole number, refused with one line naming the key otherwise', async () => {
    const source = tempDir('bound-src');
    const lake = tempDir('bound-lake');
    writeBatch(source, 1);
    for (const bad of [0, 2.5, '24', undefined]) {
      const broken = { ...manifest, maxFilesPerPartition: bad } as unknown as Manifest;
      let error: unknown;
      await runIncremental({ source, lake, manifest: broken }).catch((err) => (error = err));
      expect(String(error), String(bad)).to.match(/^Error: manifest maxFilesPerPartition: expected a whole number >= 1, got /);
    }
  });

  it('a partition over the bound is rewritten as one file holding exactly the rows plain appends would give', async () => {
    const source = tempDir('compact-src');
    const lake = tempDir('compact-lake');
    const counts: number[] = [];
    const lateCounts: number[] = [];
    const summaries: RunSummary[] = [];
    for (let i = 1; i <= 7; i++) {
      summaries.push(...(await runBatches(source, lake, i, i)));
      const files = filesPerPartition(lake);
      const over = [...files].filter(([, n]) => n > BOUND);
      expect(over, `partitions over ${BOUND} files after batch ${i}`).to.deep.equal([]);
      counts.push(files.get(BRONZE_HOUR) ?? 0);
      lateCounts.push(files.get(SILVER_LATE_HOUR) ?? 0);
    }
    // The 4th and 7th batches would have left 4 files: those runs rewrote the partition as one.
    expect(counts, BRONZE_HOUR).to.deep.equal([1, 2, 3, 1, 2, 3, 1]);
    expect(lateCounts, SILVER_LATE_HOUR).to.deep.equal([1, 2, 3, 1, 2, 3, 1]);
    expect(summaries.map((s) => s.partitionsCompacted['bronze.events'] ?? 0)).to.deep.equal([0, 0, 0, 1, 0, 0, 1]);
    // silver: the on-time hour 17 and the late hour 10
    expect(summaries.map((s) => s.partitionsCompacted['silver.events'] ?? 0)).to.deep.equal([0, 0, 0, 2, 0, 0, 2]);
    expect(summaries.map((s) => s.partitionsCompacted['quarantine.events'] ?? 0)).to.deep.equal([0, 0, 0, 1, 0, 0, 1]);

    // The same batches with the manifest's own bound (no compaction): the same rows, ingested_at included.
    const reference = tempDir('compact-ref');
    const plain = await runBatches(tempDir('compact-ref-src'), reference, 1, 7, manifest);
    expect(plain.map((s) => s.partitionsCompacted)).to.deep.equal(plain.map(() => ({})));
    expect(filesPerPartition(reference).get(BRONZE_HOUR)).to.equal(7);
    expect(lakeDifferences(await lakeContents(lake), await lakeContents(reference), ['compacted', 'appended'])).to.deep.equal([]);
  });

  it('a run that fails after compacting leaves every file of the lake byte-identical', async () => {
    const source = tempDir('compact-fail-src');
    const lake = tempDir('compact-fail-lake');
    await runBatches(source, lake, 1, BOUND);
    const before = lakeFiles(lake);
    writeBatch(source, BOUND + 1);
    const boom = path.join(lake, '..', `${path.basename(lake)}-boom.sql`);
    fs.writeFileSync(boom, "SELECT CAST('not a number' AS INTEGER) AS n");
    const after = manifest.steps.findIndex((st) => st.name === 'silver') + 1;
    const failing = { ...bounded, steps: [...manifest.steps.slice(0, after), { name: 'boom', sql: path.relative(ETL_DIR, boom) }] };
    const logs: string[] = [];
    let error: unknown;
    await runIncremental({ source, lake, manifest: failing, log: (l) => logs.push(l) }).catch((err) => (error = err));
    expect(String(error)).to.match(/not a number/);
    expect(logs.filter((l) => /compacted/.test(l)).length, 'compacting writes before the failure').to.equal(3);
    expect([...lakeFiles(lake)]).to.deep.equal([...before]);
    expect(fs.readdirSync(lake).filter((n) => n === '_trash' || n === '_staging')).to.deep.equal([]);
  });

  it('a run killed after compacting is rolled back to the old files, and the next run completes the batch', async function () {
    const source = tempDir('compact-kill-src');
    const lake = tempDir('compact-kill-lake');
    await runBatches(source, lake, 1, BOUND);
    const before = lakeFiles(lake);
    writeBatch(source, BOUND + 1);

    // Killed once bronze, quarantine and silver are compacted.
    const out = await runKilledAfterStep({ source, lake, now: batchTime(BOUND + 1), manifest: { maxFilesPerPartition: BOUND } }, 'silver');
    expect(out, 'the killed run compacted silver').to.match(/silver\.events: 2 partition\(s\) compacted/);
    expect(filesPerPartition(lake).get(BRONZE_HOUR), 'the killed run swapped in the compacted bronze hour').to.equal(1);

    expect(recoverInterruptedRuns(lake, LAKE_TABLES)).to.equal(1);
    expect([...lakeFiles(lake)]).to.deep.equal([...before]);

    const [completed] = await runBatches(source, lake, BOUND + 1, BOUND + 1);
    expect(completed.partitionsCompacted).to.include({ 'bronze.events': 1, 'silver.events': 2 });
    const reference = tempDir('compact-kill-ref');
    await runBatches(tempDir('compact-kill-ref-src'), reference, 1, BOUND + 1, manifest);
    expect(lakeDifferences(await lakeContents(lake), await lakeContents(reference), ['recovered', 'appended'])).to.deep.equal([]);
  });
});
