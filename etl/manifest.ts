/**
 * Typed access to etl/manifest.json, the single description of the pipeline that both engines
 * follow. An engine (etl/local for DuckDB, etl/glue/job.py for Spark) does only this:
 *
 * 1. registers the input views named in `inputs` for the batch of new files;
 * 2. for each step, in order:
 *    - `sql`: runs the SQL file (Spark SQL dialect, a single SELECT) and registers its result
 *      as a temporary view called `name`. With `writes`, the engine writes the result to that
 *      table, one new file per partition it has rows in, in one of two modes:
 *      - `replace` (default): the result holds the complete new content of every partition it
 *        has rows in, and those partitions are replaced; no other partition is touched, except
 *        that a partition the latest earlier `read` step of the table loaded and that has no row
 *        in the result is deleted (its rows all came from this batch's files, which no longer
 *        produce any, e.g. a corrupt file that was fixed).
 *      - `append`: the result's rows are added to the partitions they fall in, without reading
 *        or rewriting what those hold, except for the partitions the `read` step named by
 *        `replacing` loaded: there the result is the complete new content and the partition is
 *        replaced (or deleted when the result has no row for it), as in `replace`. This is what
 *        keeps a batch's work proportional to the batch: only a file that is processed again
 *        (its rows may already be in the lake) makes its partitions be rewritten.
 *        One more exception keeps every partition's file count bounded: when the added file
 *        would leave a partition with more than `maxFilesPerPartition` files, the partition is
 *        compacted instead, rewritten as one file holding its current rows plus the result's, and
 *        replaced like a partition of `replacing`. An engine may compute an appending step's
 *        result more than once (DuckDB keeps it a view), so its SQL must give the same rows
 *        every time: no random(), now() or ranking whose ties it leaves open.
 *      Replaced files are deleted only once the whole run has written everything, and a run
 *      that fails before that leaves the lake as it was: no step's write is ever half visible.
 *    - `read`: registers as view `name` the current rows of `read.table`, restricted to the
 *      partitions whose key values (`read.keys`, default all partition keys of the table)
 *      occur in view `read.partitionsOf`: what earlier runs left plus what earlier steps of this
 *      run wrote (never the files this run replaced). The view keeps the rows it had when it
 *      was registered, whatever later steps write. This is how merges see the lake.
 *      With `read.rangeOf` (a column of the table), the view may leave out rows whose value of
 *      that column lies outside the range it has in `read.partitionsOf` (least to greatest), so
 *      only a step that matches rows on that column may use it: the rows left out could never
 *      match, and no write may replace the partitions it loaded (validateManifest refuses
 *      that: the rows left out would be lost). Each engine leaves out what it can skip cheaply:
 *      DuckDB the files whose footer statistics lie outside the range, Spark the rows (its
 *      Parquet reader skips row groups). A batch of recent events then reads little of the hours it touches.
 *    - `report`: the result is a small summary the engine prints and logs after the run.
 * 3. commits the batch (state file or job bookmark) only after every write succeeded.
 *
 * Tables are referred to by their schema id (etl/schema.ts), never by path or database name.
 */
import * as path from 'path';
import manifestJson from './manifest.json';
import { LogicalType, tableById, TableDef } from './schema';

export interface ReadSpec {
  readonly table: string;
  readonly partitionsOf: string;
  readonly keys?: readonly string[];
  /** Rows whose value of this column lies outside its range in `partitionsOf` may be left out (see the module comment). */
  readonly rangeOf?: string;
}

export type WriteMode = 'replace' | 'append';

export interface ManifestStep {
  readonly name: string;
  readonly sql?: string;
  readonly read?: ReadSpec;
  readonly writes?: string;
  /** How `writes` lands (default `replace`); see the module comment. */
  readonly mode?: WriteMode;
  /** With mode `append`: the `read` step whose partitions this write replaces. */
  readonly replacing?: string;
  readonly report?: boolean;
}

export interface Manifest {
  readonly inputs: Readonly<Record<string, string>>;
  /**
   * Most files a partition may hold after an `append` write; a write that would leave more
   * compacts the partition into one file (see the module comment). Late events make a batch
   * touch many old hours, each gaining a tiny file, and every file costs Athena and Spark an
   * open and a footer read. The bound must stay well above what an ordinary hour receives
   * (one file per 5-minute batch, 12 or 13, plus one or two from the next hour's batches for
   * events that cross the hour boundary): the manifest's 24 never compacts an ordinary hour,
   * only one that late data keeps landing in, and then once per that many late batches.
   */
  readonly maxFilesPerPartition: number;
  readonly steps: readonly ManifestStep[];
}

/** Folder that holds manifest.json; step `sql` paths are relative to it. */
export const ETL_DIR = __dirname;
export const MANIFEST_PATH = path.join(ETL_DIR, 'manifest.json');

export const manifest: Manifest = validateManifest(manifestJson as unknown as Manifest);

/** Absolute path of a step's SQL file. */
export function sqlPath(step: ManifestStep): string {
  if (!step.sql) throw new Error(`manifest step '${step.name}' has no sql file`);
  return path.join(ETL_DIR, step.sql);
}

/** The SQL files in the order the engines run them (relative to etl/). */
export function sqlFiles(m: Manifest = manifest): string[] {
  return m.steps.filter((s) => s.sql).map((s) => s.sql as string);
}

/** The table a `writes` or `read` step refers to. */
export function stepTable(step: ManifestStep): TableDef | undefined {
  const id = step.writes ?? step.read?.table;
  return id ? tableById(id) : undefined;
}

/** Fails fast, naming the step, when the manifest is inconsistent with itself or the schema. */
export function validateManifest(m: Manifest): Manifest {
  const bound: unknown = m.maxFilesPerPartition;
  if (typeof bound !== 'number' || !Number.isSafeInteger(bound) || bound < 1) {
    throw new Error(`manifest maxFilesPerPartition: expected a whole number >= 1, got ${JSON.stringify(bound) ?? 'nothing'}`);
  }
  const views = new Set(Object.keys(m.inputs));
  // Each table's latest read step not yet followed by a write of it: what a `replace` write replaces.
  const latestRead = new Map<string, ManifestStep>();
  for (const step of m.steps) {
    const where = `manifest step '${step.name}'`;
    if (!/^[a-z][a-z0-9_]*$/.test(step.name)) throw new Error(`${where}: name must be lowercase letters, digits and underscores`);
    if (views.has(step.name)) throw new Error(`${where}: view name already defined`);
    if (Boolean(step.sql) === Boolean(step.read)) throw new Error(`${where}: expected exactly one of 'sql' or 'read'`);
    if (step.writes) tableById(step.writes);
    if (step.mode !== undefined && !['replace', 'append'].includes(step.mode)) throw new Error(`${where}: mode must be 'replace' or 'append'`);
    if ((step.mode ?? 'replace') === 'append' ? !step.writes : step.replacing !== undefined) {
      throw new Error(`${where}: 'replacing' goes with mode 'append', which goes with 'writes'`);
    }
    if (step.replacing !== undefined) {
      const read = m.steps.find((s) => s.name === step.replacing);
      if (!views.has(step.replacing) || read?.read?.table !== step.writes) {
        throw new Error(`${where}: replacing '${step.replacing}' is not an earlier read step of ${step.writes}`);
      }
    }
    if (step.read) {
      const table = tableById(step.read.table);
      if (!views.has(step.read.partitionsOf)) throw new Error(`${where}: partitionsOf '${step.read.partitionsOf}' is not an earlier view`);
      for (const key of step.read.keys ?? []) {
        if (!table.partitionKeys.some((k) => k.name === key)) throw new Error(`${where}: '${key}' is not a partition key of ${table.id}`);
      }
      const ranged = step.read.rangeOf;
      if (ranged !== undefined && !table.columns.some((c) => c.name === ranged && isRangeType(c.type))) {
        throw new Error(`${where}: rangeOf '${ranged}' is not a timestamp, date or number column of ${table.id}`);
      }
    }
    if (step.writes) {
      const replaced = (step.mode ?? 'replace') === 'append' ? m.steps.find((s) => s.name === step.replacing) : latestRead.get(step.writes);
      // A write replaces the partitions its read loaded with its result: rows a ranged read left out would be lost.
      if (replaced?.read?.rangeOf !== undefined) {
        throw new Error(`${where}: replaces what read step '${replaced.name}' loaded, which leaves rows out (rangeOf)`);
      }
      latestRead.delete(step.writes);
    }
    if (step.read) latestRead.set(step.read.table, step);
    views.add(step.name);
  }
  return m;
}

/**
 * Types whose bounds pass between the engines as text exactly (`rangeOf`): text itself would need
 * quoting that differs between the two SQL dialects.
 */
function isRangeType(type: LogicalType): boolean {
  return type === 'timestamp' || type === 'date' || type === 'int' || type === 'bigint' || type.startsWith('decimal');
}
