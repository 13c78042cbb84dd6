/**
 * Validation checks shared by the local engine (`lakehouse check`, DuckDB), the deployed stack
 * (components/athena-validation.ts, Athena) and the Trino test layer. One definition, several runners.
 *
 * Each check is one SQL file in etl/checks/ (templates/ holds the two that are instantiated per
 * table and per deliverable query). A file starts with a header comment:
 *   -- kind: structural | data | observation
 *   -- proves: what a passing check proves (an observation: what it reports),
 *   --   continued on lines indented by three spaces
 *   -- (any further comment lines: why the check is written the way it is)
 * and then holds one statement in the portable subset of Trino (Athena engine v3), DuckDB and
 * Spark: no integer division, no quoted identifiers, no count(DISTINCT a, b), exact distincts;
 * every SUM/COUNT is cast to BIGINT (DuckDB sums integers to HUGEINT) and wrapped in COALESCE so
 * an empty window yields 0, not NULL. The statement returns exactly one row:
 *   failures      BIGINT   offending rows or groups; 0 means pass (an observation: rows it flags)
 *   rows_checked  BIGINT   rows the check looked at; 0 on a data check means "no data in the window"
 *   observed      VARCHAR  short human-readable figure(s), shown in reports and outputs
 *
 * Placeholders, rendered by each runner:
 *   {{silver.events}}          a table id of etl/schema.ts: the runner's qualified table name (renderCheckSql)
 *   {{window.event_dates}} ... the check window's partition predicates and bounds (renderCheckWindow,
 *                              etl/check-runtime.ts): every data check reads only the window's partitions
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DeliverableQuery } from '../queries';
import { CHECK_KINDS, CheckDefinition, CheckKind } from './check-runtime';
import { LAKE_TABLES, TableDef, TABLES } from './schema';

export * from './check-runtime';

/** Folder of the check SQL files. */
export const CHECKS_DIR = path.join(__dirname, 'checks');
const TEMPLATES_DIR = path.join(CHECKS_DIR, 'templates');

const TABLE_PLACEHOLDER = /\{\{\s*(?!window\.)([a-z_]+\.[a-z_]+)\s*\}\}/g;

function tableOf(id: string): TableDef {
  const table = TABLES.find((t) => t.id === id);
  if (!table) throw new Error(`check SQL refers to unknown table {{${id}}}: expected one of ${TABLES.map((t) => t.id).join(', ')}`);
  return table;
}

/** Table ids a check's SQL refers to. */
export function checkTables(sql: string): TableDef[] {
  return [...new Set([...sql.matchAll(TABLE_PLACEHOLDER)].map((m) => m[1]))].map(tableOf);
}

/** Substitutes every `{{table id}}` placeholder with the runner's qualified table name; `{{window.*}}` stays. */
export function renderCheckSql(sql: string, qualifiedName: (table: TableDef) => string): string {
  return sql.replace(TABLE_PLACEHOLDER, (_, id: string) => qualifiedName(tableOf(id)));
}

// ---------------------------------------------------------------------------------------------
// The check files
// ---------------------------------------------------------------------------------------------

/** Reads the header (`-- kind:`, `-- proves:`) and the statement of one check file. */
export function parseCheckFile(id: string, text: string, file = `${id}.sql`): CheckDefinition {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const headerEnd = lines.findIndex((l) => !l.startsWith('--'));
  const header = lines.slice(0, headerEnd === -1 ? lines.length : headerEnd);
  const sql = lines
    .slice(header.length)
    .join('\n')
    .trim()
    .replace(/;\s*$/, '');
  const kindLine = header.find((l) => /^--\s*kind:/.test(l));
  const kind = kindLine?.replace(/^--\s*kind:\s*/, '').trim();
  if (!CHECK_KINDS.includes(kind as CheckKind)) {
    throw new Error(`check file ${file}: expected a header line '-- kind: ${CHECK_KINDS.join(' | ')}', got ${kindLine === undefined ? 'none' : `'${kindLine}'`}`);
  }
  const provesAt = header.findIndex((l) => /^--\s*proves:/.test(l));
  const proves: string[] = [];
  if (provesAt !== -1) {
    proves.push(header[provesAt].replace(/^--\s*proves:\s*/, ''));
    for (const line of header.slice(provesAt + 1)) {
      if (!/^-- {3}\S/.test(line)) break;
      proves.push(line.slice(2).trim());
    }
  }
  const description = proves.join(' ').trim();
  if (description === '') throw new Error(`check file ${file}: expected a header line '-- proves: <what a passing check proves>'`);
  if (!/^[a-z][a-z0-9_]*$/.test(id)) throw new Error(`check file ${file}: expected a snake_case file name`);
  if (sql === '') throw new Error(`check file ${file}: expected one SQL statement after the header`);
  return { id, kind: kind as CheckKind, description, sql };
}

function readCheckFile(file: string): CheckDefinition {
  return parseCheckFile(path.basename(file, '.sql'), fs.readFileSync(file, 'utf8'), path.relative(path.join(__dirname, '..'), file));
}

/** Fills a template's `{{name}}` parameters (the id, description and SQL of the check it makes). */
function instantiate(template: CheckDefinition, id: string, params: Record<string, string>): CheckDefinition {
  const fill = (text: string) => text.replace(/\{\{\s*(table|table\.[a-z]+|query|query\.[a-z]+)\s*\}\}/g, (_, name: string) => params[name]);
  return { id, kind: template.kind, description: fill(template.description), sql: fill(template.sql) };
}

/** The window predicate of a table's partition keys: event days (silver, gold) or source path days. */
export function tableWindowPlaceholder(table: TableDef): string {
  const keys = table.partitionKeys.map((k) => k.name);
  if (keys.includes('event_date')) return '{{window.event_dates}}';
  if (['year', 'month', 'day'].every((k) => keys.includes(k))) return '{{window.source_days}}';
  throw new Error(`table ${table.id}: no check window predicate for partition keys (${keys.join(', ')})`);
}

/** Structural: each lake table can be read (on an empty lake too), reading at most one row of the window. */
function readableChecks(): CheckDefinition[] {
  const template = readCheckFile(path.join(TEMPLATES_DIR, 'table_readable.sql'));
  return LAKE_TABLES.map((t) =>
    instantiate(template, `table_readable_${t.id.replace('.', '_')}`, { table: `{{${t.id}}}`, 'table.id': t.id, 'table.window': tableWindowPlaceholder(t) }),
  );
}

const KIND_ORDER: readonly CheckKind[] = ['structural', 'data', 'observation'];

/** The checks of etl/checks/*.sql: invariants first, then observations, each by id. */
function fileChecks(): CheckDefinition[] {
  return fs
    .readdirSync(CHECKS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => readCheckFile(path.join(CHECKS_DIR, f)))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
}

/** Every shared check on the lake's data and structure (the query checks come from queryChecks()). */
export const CHECKS: readonly CheckDefinition[] = [...readableChecks(), ...fileChecks()];

/**
 * "Each of the 5 queries runs": one structural check per query. The query's unqualified gold
 * table names become placeholders, so each runner qualifies them like every other check.
 */
export function queryChecks(queries: readonly DeliverableQuery[]): CheckDefinition[] {
  const template = readCheckFile(path.join(TEMPLATES_DIR, 'query_runs.sql'));
  const gold = TABLES.filter((t) => t.layer === 'gold');
  return queries.map((q) => {
    let sql = q.sql;
    for (const t of gold) sql = sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)${t.name}\\b`, 'gi'), `$1$2{{${t.id}}}`);
    return instantiate(template, `query_${q.id}_${q.name}_runs`, { query: sql, 'query.id': String(q.id), 'query.name': q.name });
  });
}
