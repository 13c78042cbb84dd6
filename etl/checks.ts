/**
 * Validation checks shared by the local engine (`lakehouse check`, DuckDB), the deployed stack
 * (components/athena-validation.ts, Athena) and the Trino test layer. One definition, several runners.
 *
 * Each check is one SQL file in etl/checks/. A file starts with a header comment:
 *   -- kind: structural | data | observation
 *   -- proves: what a passing check proves (an observation: what it reports),
 *   --   continued on lines indented by three spaces
 *   -- (any further comment lines: why the check is written the way it is)
 * and then holds one statement, or, with a header line `-- template: <name>`, the `-- @<name>`
 * sections that fill the `{{<name>}}` parameters of etl/checks/templates/<name>.sql (templates/
 * also holds the checks made once per lake table and once per deliverable query).
 * Statements are in the portable subset of Trino (Athena engine v3), DuckDB and
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

/** A check file as written: a template instance holds named sections instead of a whole statement. */
interface CheckFile extends CheckDefinition {
  /** `-- template: <name>`: the statement is etl/checks/templates/<name>.sql filled with `sections`. */
  readonly template?: string;
  /** `-- @<name>` sections, each filling `{{<name>}}` of the template. */
  readonly sections: Readonly<Record<string, string>>;
}

/** Splits a check file into its header (`-- kind:`, `-- proves:`, `-- template:`), statement and sections. */
function parseCheckText(id: string, text: string, file: string): CheckFile {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const headerEnd = lines.findIndex((l) => !l.startsWith('--') || /^-- @/.test(l));
  const header = lines.slice(0, headerEnd === -1 ? lines.length : headerEnd);
  const body = lines.slice(header.length);
  const value = (key: string) =>
    header
      .find((l) => new RegExp(`^--\\s*${key}:`).test(l))
      ?.replace(new RegExp(`^--\\s*${key}:\\s*`), '')
      .trim();
  const kind = value('kind');
  if (!CHECK_KINDS.includes(kind as CheckKind)) {
    const got = header.find((l) => /^--\s*kind:/.test(l));
    throw new Error(`check file ${file}: expected a header line '-- kind: ${CHECK_KINDS.join(' | ')}', got ${got === undefined ? 'none' : `'${got}'`}`);
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
  const statement = (part: readonly string[]) => part.join('\n').trim().replace(/;\s*$/, '');
  const sections: Record<string, string> = {};
  let sql = statement(body);
  if (body.length > 0 && /^-- @/.test(body[0])) {
    sql = '';
    let name = '';
    let part: string[] = [];
    for (const line of [...body, '-- @']) {
      if (!/^-- @/.test(line)) {
        part.push(line);
        continue;
      }
      if (name !== '') sections[name] = statement(part);
      name = line.slice(4).trim();
      part = [];
    }
  }
  const template = value('template');
  if (template === undefined && sql === '') throw new Error(`check file ${file}: expected one SQL statement after the header`);
  if (template !== undefined && Object.keys(sections).length === 0)
    throw new Error(`check file ${file}: expected '-- @<name>' sections for template ${template}`);
  return { id, kind: kind as CheckKind, description, sql, sections, ...(template === undefined ? {} : { template }) };
}

/** Fills a template's `{{name}}` parameters; every parameter without a value is an error naming it. */
function fill(text: string, params: Readonly<Record<string, string>>, what: string): string {
  return text.replace(/\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}/g, (match, name: string) => {
    if (name in params) return params[name];
    if (name.includes('.')) return match; // a table id or a window placeholder: rendered by the runner
    throw new Error(`${what}: template parameter {{${name}}} has no value`);
  });
}

/** A check from a template and its parameters (sections of a check file, or a table or query). */
function instantiate(
  template: CheckDefinition,
  check: Pick<CheckDefinition, 'id' | 'kind' | 'description'>,
  params: Readonly<Record<string, string>>,
): CheckDefinition {
  const what = `check ${check.id}`;
  return { id: check.id, kind: check.kind, description: fill(check.description, params, what), sql: fill(template.sql, params, what) };
}

function readTemplate(name: string): CheckDefinition {
  const file = path.join(TEMPLATES_DIR, `${name}.sql`);
  if (!fs.existsSync(file)) throw new Error(`check template ${path.relative(path.join(__dirname, '..'), file)} does not exist`);
  return parseCheckText(name, fs.readFileSync(file, 'utf8'), path.relative(path.join(__dirname, '..'), file));
}

/** One check from the text of its file: its header, and its statement or its template filled with its sections. */
export function parseCheckFile(id: string, text: string, file = `${id}.sql`): CheckDefinition {
  const parsed = parseCheckText(id, text, file);
  if (parsed.template === undefined) return { id: parsed.id, kind: parsed.kind, description: parsed.description, sql: parsed.sql };
  return instantiate(readTemplate(parsed.template), parsed, parsed.sections);
}

function readCheckFile(file: string): CheckDefinition {
  return parseCheckFile(path.basename(file, '.sql'), fs.readFileSync(file, 'utf8'), path.relative(path.join(__dirname, '..'), file));
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
  const template = readTemplate('table_readable');
  return LAKE_TABLES.map((t) =>
    instantiate(
      template,
      { ...template, id: `table_readable_${t.id.replace('.', '_')}` },
      { table: `{{${t.id}}}`, 'table.id': t.id, 'table.window': tableWindowPlaceholder(t) },
    ),
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
  const template = readTemplate('query_runs');
  const gold = TABLES.filter((t) => t.layer === 'gold');
  return queries.map((q) => {
    let sql = q.sql;
    for (const t of gold) sql = sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)${t.name}\\b`, 'gi'), `$1$2{{${t.id}}}`);
    return instantiate(template, { ...template, id: `query_${q.id}_${q.name}_runs` }, { query: sql, 'query.id': String(q.id), 'query.name': q.name });
  });
}
