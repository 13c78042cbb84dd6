/**
 * The local lake as a folder: what makes a folder a lake (its marker file), the checks every
 * reader and every run make before touching it, and one typed relation per table built from
 * the schema module (column names, types and partition keys are never restated here).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DuckDBConnection } from '@duckdb/node-api';
import { allColumns, duckDbParquetType, duckDbType, LAKE_TABLES, TableDef } from '../schema';
import { literalPath, openDuck, queryRows, sqlString, toNumber } from './duck';
import { InputError, ioInputError } from './errors';
import { listPartitionDirs, partitionFiles } from './partitions';
import { LAKE_MARKER, markerPath, stateDir } from './paths';

/** Column read_parquet adds with each row's file: the partition values come from its last folders. */
const FILE_COLUMN = '__lake_file';

/**
 * A SELECT over the given Parquet files of a table (all columns, schema types, schema order).
 * Files are passed one by one and literally (never a glob), and partition values are read from
 * the folders directly above each file, so the folders above the lake (named `year=1999` or
 * `event_date=2000-01-01`, or holding `*` or `[`) never change what is read.
 */
export function tableSelectSql(table: TableDef, files: readonly string[]): string {
  const columns = allColumns(table);
  if (files.length === 0) {
    return `SELECT ${columns.map((c) => `CAST(NULL AS ${duckDbType(c.type)}) AS ${c.name}`).join(', ')} WHERE false`;
  }
  const list = `[${files.map((f) => sqlString(literalPath(f))).join(', ')}]`;
  const tail = `/${table.partitionKeys.map((k) => `${k.name}=([^/]*)`).join('/')}/[^/]*$`;
  const select = [
    ...table.columns.map((c) => `CAST(${c.name} AS ${duckDbType(c.type)}) AS ${c.name}`),
    ...table.partitionKeys.map((k, i) => `CAST(regexp_extract(${FILE_COLUMN}, ${sqlString(tail)}, ${i + 1}) AS ${duckDbType(k.type)}) AS ${k.name}`),
  ];
  return `SELECT ${select.join(', ')} FROM read_parquet(${list}, hive_partitioning = false, filename = '${FILE_COLUMN}')`;
}

/**
 * The files a read step with `rangeOf` (etl/manifest.ts) takes: those with a row group whose
 * statistics for the column overlap the column's range in the view (a row group without
 * statistics, or with statistics that do not read as the column's type, counts as
 * overlapping), none when the view has no value. Files are pruned by their
 * footers instead of filtering rows: a filter would make DuckDB estimate the read as small and
 * build its hash join on it, so a wide range would hold the read's rows in memory.
 */
export async function filesInRange(conn: DuckDBConnection, table: TableDef, files: readonly string[], column: string, view: string): Promise<string[]> {
  if (files.length === 0) return [];
  const type = duckDbParquetType(table.columns.find((c) => c.name === column)!.type);
  const list = `[${files.map((f) => sqlString(literalPath(f))).join(', ')}]`;
  const rows = await queryRows(
    conn,
    `WITH range AS (SELECT CAST(min(${column}) AS ${type}) AS low, CAST(max(${column}) AS ${type}) AS high FROM ${view}),
     groups AS (
       SELECT file_name, TRY_CAST(stats_min_value AS ${type}) AS low, TRY_CAST(stats_max_value AS ${type}) AS high
       FROM parquet_metadata(${list}) WHERE path_in_schema = ${sqlString(column)}
     )
     SELECT DISTINCT g.file_name FROM groups g, range r
     WHERE r.low IS NOT NULL AND (g.low IS NULL OR g.high IS NULL OR (g.high >= r.low AND g.low <= r.high))`,
  );
  const kept = new Set(rows.map((r) => String(r.file_name)));
  // A name that is not one of ours means the footers cannot be matched to the files: take them all.
  if ([...kept].some((name) => !files.includes(name))) return [...files];
  return files.filter((f) => kept.has(f));
}

/** The whole table as it is now in the lake (an empty typed relation when it has no data yet). */
export function wholeTableSql(lake: string, table: TableDef): string {
  return tableSelectSql(table, partitionFiles(lake, listPartitionDirs(lake, table)));
}

/**
 * Whether a folder is a lake: it holds the marker written when the lake was created, or (a lake
 * written before the marker existed) the engine's processed-files state.
 */
export function isLake(dir: string): boolean {
  return isFile(markerPath(dir)) || isFile(path.join(stateDir(dir), 'processed-files.json'));
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Fails with one line (InputError) unless the folder is a readable lake written by 'lakehouse run'. */
export function assertLakeReadable(lake: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(lake);
    fs.accessSync(lake, fs.constants.R_OK | fs.constants.X_OK);
  } catch (err) {
    throw ioInputError('lake folder', lake, err, "give a folder written by 'lakehouse run'");
  }
  if (!stat.isDirectory()) throw new InputError(`lake '${lake}' is not a folder: give a folder written by 'lakehouse run'`);
  if (!isLake(lake)) throw new InputError(`'${lake}' is not a lake (no ${LAKE_MARKER}): give a folder written by 'lakehouse run'`);
}

/**
 * Makes the lake folder ready for a run, or refuses it with one line (InputError): the lake must
 * be its own folder (not the file-system root, not the source folder, neither inside the other),
 * and an existing folder must be empty or already a lake, since a run replaces partition folders
 * and clears `_staging`/`_trash` and must never do so in a folder of the user's. A new lake gets
 * its marker first; a lake written before the marker existed gets it now.
 */
export function prepareLakeForRun(lake: string, source: string): void {
  const lakeReal = resolveReal(lake);
  const sourceReal = resolveReal(source);
  if (lakeReal === path.parse(lakeReal).root) throw new InputError(`lake '${lake}' is the root of the file system: give a folder of its own for the lake`);
  if (lakeReal === sourceReal) throw new InputError(`lake '${lake}' is the source folder: give a separate folder for the lake`);
  if (isInside(lakeReal, sourceReal)) throw new InputError(`lake '${lake}' is inside the source folder '${source}': give a folder outside it`);
  if (isInside(sourceReal, lakeReal))
    throw new InputError(`source '${source}' is inside the lake folder '${lake}': give a lake folder that does not contain the source`);
  literalPath(path.resolve(lake)); // refuses, before anything is written, a path DuckDB cannot read literally

  let exists = true;
  try {
    const stat = fs.statSync(lake);
    if (!stat.isDirectory()) throw new InputError(`lake '${lake}' is a file, not a folder: give a folder for the lake`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioInputError('lake folder', lake, err, 'give a folder you can read and write');
    exists = false;
  }
  if (exists && !isLake(lake)) {
    let entries: string[];
    try {
      entries = fs.readdirSync(lake);
    } catch (err) {
      throw ioInputError('lake folder', lake, err, 'give a folder you can read and write');
    }
    if (entries.length > 0) {
      throw new InputError(`'${lake}' is not empty and is not a lake (no ${LAKE_MARKER}): give a new or empty folder, or the folder of an existing lake`);
    }
  }
  try {
    if (!exists) mkdirShowingCause(lake);
    if (!isFile(markerPath(lake))) writeMarker(lake);
  } catch (err) {
    throw ioInputError('cannot write the lake folder', lake, err, 'give a folder on a writable device with free space and write permission');
  }
}

function writeMarker(lake: string): void {
  const content = `${JSON.stringify({ lakehouseLake: 1, createdAt: new Date().toISOString() })}\n`;
  try {
    fs.writeFileSync(markerPath(lake), content, { flag: 'wx' });
  } catch (err) {
    // A run started at the same moment wrote it: the folder is a lake either way.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * mkdir -p that fails with the real cause: Node's recursive mkdir reports ENOENT for a parent on
 * a read-only mount (EROFS) or without write permission, so the first missing folder is created
 * on its own to learn why.
 */
function mkdirShowingCause(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let first = path.resolve(dir);
    while (!fs.existsSync(path.dirname(first)) && path.dirname(first) !== first) first = path.dirname(first);
    fs.mkdirSync(first); // throws the cause (EROFS, EACCES, ENOTDIR...)
    throw err;
  }
}

/** The absolute path with every existing part's symbolic links resolved (the rest kept as given). */
function resolveReal(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let head = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...rest.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      rest.push(path.basename(head));
      head = parent;
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The name a lake table has in a local DuckDB session: `<database>.<name>`, as in Glue/Athena minus the stack suffix. */
export function localTableName(table: TableDef): string {
  return `${table.database}.${table.name}`;
}

/**
 * Registers every lake table as a view `<database>.<name>` (schemas bronze, silver, gold) and
 * puts gold first on the search path, so queries.sql's unqualified gold names resolve as they
 * do in Athena with database gold_<id>.
 */
export async function registerLakeViews(connection: DuckDBConnection, lake: string): Promise<void> {
  for (const database of new Set(LAKE_TABLES.map((t) => t.database))) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${database}`);
  for (const table of LAKE_TABLES) {
    try {
      await connection.run(`CREATE OR REPLACE VIEW ${localTableName(table)} AS ${wholeTableSql(lake, table)}`);
    } catch (err) {
      if (err instanceof InputError) throw err;
      // A damaged file (e.g. not Parquet) fails only what reads this table, with one line.
      const problem = `${localTableName(table)} cannot be read: ${(err as Error).message.split('\n')[0]}`;
      await connection.run(`CREATE OR REPLACE VIEW ${localTableName(table)} AS ${failingRelationSql(table, problem)}`);
    }
  }
  await connection.run("SET search_path = 'gold,main'");
}

/**
 * A relation with the table's columns that raises `message` whenever a row of it is read: in its
 * filter and in every column, so no filter on a column (folded away for a constant) can skip it.
 */
function failingRelationSql(table: TableDef, message: string): string {
  const fail = `error(${sqlString(message)})`;
  return `SELECT ${allColumns(table)
    .map((c) => `CAST(${fail} AS ${duckDbType(c.type)}) AS ${c.name}`)
    .join(', ')} FROM range(1) WHERE ${fail} IS NULL`;
}

/** Row count of every lake table, keyed by table id. */
export async function tableRowCounts(lake: string): Promise<Record<string, number>> {
  assertLakeReadable(lake);
  const duck = await openDuck();
  try {
    await registerLakeViews(duck.connection, lake);
    const counts: Record<string, number> = {};
    for (const table of LAKE_TABLES) {
      const [row] = await queryRows(duck.connection, `SELECT COUNT(*) AS n FROM ${localTableName(table)}`);
      counts[table.id] = toNumber(row.n);
    }
    return counts;
  } finally {
    duck.close();
  }
}

export { partitionFiles };
