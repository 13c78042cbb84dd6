/**
 * Validation checks shared by the local engine (`lakehouse check`, DuckDB) and the deployed
 * stack (components/athena-validation.ts, Athena). One definition, two runners.
 *
 * A check is one SQL statement in the portable subset of Trino (Athena engine v3) and DuckDB.
 * Tables are written as placeholders `{{<table id>}}` (ids from etl/schema.ts, e.g.
 * `{{silver.events}}`); each runner substitutes its own qualified name. The statement returns
 * exactly one row with the columns:
 *   failures      BIGINT   offending rows or groups; 0 means pass
 *   rows_checked  BIGINT   rows the check looked at; 0 on a data check means "no data yet"
 *   observed      VARCHAR  short human-readable figure(s), shown in reports and outputs
 */
import type { DeliverableQuery } from '../queries';
import { TableDef, TABLES } from './schema';

export type CheckKind =
  /** Must pass even on an empty lake: tables readable, queries valid. */
  | 'structural'
  /** Meaningful only once data exists: reports `no-data` instead of failing on an empty lake. */
  | 'data';

export interface CheckDefinition {
  /** snake_case, unique. */
  readonly id: string;
  readonly description: string;
  readonly kind: CheckKind;
  readonly sql: string;
}

export type CheckStatus = 'pass' | 'fail' | 'no-data' | 'error';

export interface CheckResult {
  readonly id: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  readonly failures: number | null;
  readonly rowsChecked: number | null;
  readonly observed: string | null;
  /** Why the check failed or errored, in one line. */
  readonly message?: string;
}

const PLACEHOLDER = /\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}/g;

/** Table ids a check's SQL refers to. */
export function checkTables(sql: string): TableDef[] {
  const ids = new Set([...sql.matchAll(PLACEHOLDER)].map((m) => m[1]));
  return [...ids].map((id) => {
    const table = TABLES.find((t) => t.id === id);
    if (!table) throw new Error(`check SQL refers to unknown table {{${id}}}`);
    return table;
  });
}

/** Substitutes every `{{table id}}` placeholder with the runner's qualified table name. */
export function renderCheckSql(sql: string, qualifiedName: (table: TableDef) => string): string {
  return sql.replace(PLACEHOLDER, (_, id: string) => {
    const table = TABLES.find((t) => t.id === id);
    if (!table) throw new Error(`check SQL refers to unknown table {{${id}}}`);
    return qualifiedName(table);
  });
}

/** Turns the one result row of a check into its status. Values may arrive as strings (Athena). */
export function evaluateCheckRow(check: CheckDefinition, row: { failures: unknown; rows_checked: unknown; observed: unknown }): CheckResult {
  const failures = toNumber(row.failures);
  const rowsChecked = toNumber(row.rows_checked);
  const observed = row.observed === null || row.observed === undefined ? null : String(row.observed);
  const base = { id: check.id, kind: check.kind, failures, rowsChecked, observed };
  if (failures === null || rowsChecked === null) {
    return { ...base, status: 'error', message: `check ${check.id} returned no numeric failures/rows_checked (got ${String(row.failures)}, ${String(row.rows_checked)})` };
  }
  if (check.kind === 'data' && rowsChecked === 0) return { ...base, status: 'no-data' };
  if (failures === 0) return { ...base, status: 'pass' };
  return { ...base, status: 'fail', message: `check ${check.id} failed: ${check.description} (failures=${failures}, observed: ${observed ?? 'n/a'})` };
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

// ---------------------------------------------------------------------------------------------
// The check definitions
// ---------------------------------------------------------------------------------------------
//
// Portable subset (DuckDB and Trino): CTEs, LEFT JOIN, CASE, COALESCE, CAST(... AS BIGINT /
// VARCHAR), || concatenation, hour(); no quoted identifiers, no DuckDB- or Trino-only syntax.
// Every SUM/COUNT is cast to BIGINT (DuckDB sums integers to HUGEINT) and wrapped in COALESCE
// so an empty table yields 0, not NULL.

/** `CAST(COALESCE(expr, 0) AS BIGINT)` */
const big = (expr: string) => `CAST(COALESCE(${expr}, 0) AS BIGINT)`;
/** `CAST(expr AS VARCHAR)` */
const txt = (expr: string) => `CAST(${expr} AS VARCHAR)`;

/**
 * A "gold equals silver per date" check: `silverSql` and `goldSql` each return event_date plus
 * the named measures; every date of either side must have equal measures on both.
 */
function goldMatchesSilver(id: string, table: string, description: string, measures: readonly string[], silverSql: string, goldSql: string): CheckDefinition {
  const differs = measures.map((m) => `s.${m} <> g.${m}`).join(' OR ');
  return {
    id,
    kind: 'data',
    description,
    sql: `WITH s AS (${silverSql}),
g AS (${goldSql}),
d AS (SELECT event_date FROM s UNION SELECT event_date FROM g)
SELECT
  ${big(`SUM(CASE WHEN s.event_date IS NULL OR g.event_date IS NULL OR ${differs} THEN 1 ELSE 0 END)`)} AS failures,
  ${big('COUNT(*)')} AS rows_checked,
  'dates=' || ${txt('COUNT(*)')} || ' gold ${table} ${measures[0]}=' || ${txt(big(`SUM(g.${measures[0]})`))} || ' silver=' || ${txt(big(`SUM(s.${measures[0]})`))} AS observed
FROM d
LEFT JOIN s ON s.event_date = d.event_date
LEFT JOIN g ON g.event_date = d.event_date`,
  };
}

const countIf = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;

const DATA_CHECKS: CheckDefinition[] = [
  {
    id: 'reconciliation',
    kind: 'data',
    description:
      'per source file: lines_read = silver_rows_added + duplicates_dropped + records_quarantined (a corrupt file: 0 lines, 1 entry), ' +
      'and the ledger matches the rows actually in bronze, silver and quarantine',
    sql: `WITH files AS (
  SELECT source_file FROM {{bronze.file_ledger}}
  UNION SELECT source_file FROM {{silver.events}}
  UNION SELECT source_file FROM {{quarantine.events}}
  UNION SELECT source_file FROM {{bronze.events}}
),
b AS (SELECT source_file, COUNT(*) AS n FROM {{bronze.events}} GROUP BY source_file),
s AS (SELECT source_file, COUNT(*) AS n FROM {{silver.events}} GROUP BY source_file),
q AS (SELECT source_file, COUNT(*) AS n FROM {{quarantine.events}} GROUP BY source_file),
per_file AS (
  SELECT
    f.source_file,
    l.lines_read,
    l.bronze_rows,
    l.silver_rows_added,
    l.duplicates_dropped,
    l.records_quarantined,
    CASE WHEN l.corrupt THEN 1 ELSE 0 END AS corrupt_entries,
    COALESCE(b.n, 0) AS bronze_actual,
    COALESCE(s.n, 0) AS silver_actual,
    COALESCE(q.n, 0) AS quarantine_actual
  FROM files f
  LEFT JOIN {{bronze.file_ledger}} l ON l.source_file = f.source_file
  LEFT JOIN b ON b.source_file = f.source_file
  LEFT JOIN s ON s.source_file = f.source_file
  LEFT JOIN q ON q.source_file = f.source_file
)
SELECT
  ${big(
    countIf(`lines_read IS NULL
    OR lines_read + corrupt_entries <> silver_rows_added + duplicates_dropped + records_quarantined
    OR bronze_rows <> bronze_actual
    OR silver_rows_added <> silver_actual
    OR records_quarantined <> quarantine_actual`),
  )} AS failures,
  ${big('COUNT(*)')} AS rows_checked,
  'files=' || ${txt('COUNT(*)')} || ' lines_read=' || ${txt(big('SUM(lines_read)'))} || ' silver=' || ${txt(big('SUM(silver_actual)'))} || ' duplicates=' || ${txt(big('SUM(duplicates_dropped)'))} || ' quarantined=' || ${txt(big('SUM(quarantine_actual)'))} AS observed
FROM per_file`,
  },
  {
    id: 'silver_unique_event_key',
    kind: 'data',
    description: 'no two silver rows share an event_key (duplicates are dropped across all batches)',
    sql: `SELECT
  ${big('SUM(n - 1)')} AS failures,
  ${big('SUM(n)')} AS rows_checked,
  'keys=' || ${txt('COUNT(*)')} || ' extra copies=' || ${txt(big('SUM(n - 1)'))} AS observed
FROM (SELECT event_key, COUNT(*) AS n FROM {{silver.events}} GROUP BY event_key) k`,
  },
  goldMatchesSilver(
    'gold_product_funnel_matches_silver',
    'product_funnel',
    'per date, gold.product_funnel views, add_to_carts and purchases equal the silver event counts',
    ['views', 'add_to_carts', 'purchases'],
    `SELECT event_date, ${countIf("event_type = 'page_view'")} AS views, ${countIf("event_type = 'add_to_cart'")} AS add_to_carts, ${countIf("event_type = 'purchase'")} AS purchases
  FROM {{silver.events}} WHERE event_type IN ('page_view', 'add_to_cart', 'purchase') GROUP BY event_date`,
    `SELECT event_date, SUM(views) AS views, SUM(add_to_carts) AS add_to_carts, SUM(purchases) AS purchases FROM {{gold.product_funnel}} GROUP BY event_date`,
  ),
  goldMatchesSilver(
    'gold_hourly_revenue_matches_silver',
    'hourly_revenue',
    'per date, gold.hourly_revenue revenue, purchases and units equal silver purchases',
    ['revenue', 'purchases', 'units'],
    `SELECT event_date, COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN revenue END), 0) AS revenue, ${countIf("event_type = 'purchase'")} AS purchases,
    COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN quantity END), 0) AS units
  FROM {{silver.events}} GROUP BY event_date`,
    `SELECT event_date, SUM(revenue) AS revenue, SUM(purchases) AS purchases, SUM(units) AS units FROM {{gold.hourly_revenue}} GROUP BY event_date`,
  ),
  goldMatchesSilver(
    'gold_product_views_matches_silver',
    'product_views',
    'per date, gold.product_views views equal the silver page_view count',
    ['views'],
    `SELECT event_date, COUNT(*) AS views FROM {{silver.events}} WHERE event_type = 'page_view' GROUP BY event_date`,
    `SELECT event_date, SUM(views) AS views FROM {{gold.product_views}} GROUP BY event_date`,
  ),
  goldMatchesSilver(
    'gold_category_daily_matches_silver',
    'category_daily',
    'per date, gold.category_daily events and counts by type equal silver',
    ['events', 'page_views', 'add_to_carts', 'remove_from_carts', 'purchases', 'searches'],
    `SELECT event_date, COUNT(*) AS events, ${countIf("event_type = 'page_view'")} AS page_views, ${countIf("event_type = 'add_to_cart'")} AS add_to_carts,
    ${countIf("event_type = 'remove_from_cart'")} AS remove_from_carts, ${countIf("event_type = 'purchase'")} AS purchases, ${countIf("event_type = 'search'")} AS searches
  FROM {{silver.events}} GROUP BY event_date`,
    `SELECT event_date, SUM(events) AS events, SUM(page_views) AS page_views, SUM(add_to_carts) AS add_to_carts, SUM(remove_from_carts) AS remove_from_carts,
    SUM(purchases) AS purchases, SUM(searches) AS searches FROM {{gold.category_daily}} GROUP BY event_date`,
  ),
  goldMatchesSilver(
    'gold_user_activity_matches_silver',
    'user_activity',
    'per date, gold.user_activity events, distinct users and distinct sessions equal silver',
    ['events', 'unique_users', 'unique_sessions'],
    `SELECT event_date, COUNT(*) AS events, COUNT(DISTINCT user_id) AS unique_users, COUNT(DISTINCT session_id) AS unique_sessions FROM {{silver.events}} GROUP BY event_date`,
    `SELECT event_date, SUM(events) AS events, SUM(unique_users) AS unique_users, SUM(unique_sessions) AS unique_sessions FROM {{gold.user_activity}} GROUP BY event_date`,
  ),
  {
    // The starter draws every event type independently, so on a small sample one product can
    // show more purchases than add-to-carts (the 100-line starter fixture does): per-product
    // rates above 1 are real data, reported in `observed`. The overall funnel rates are the
    // invariant: above 1 they mean events were counted under the wrong type.
    id: 'conversion_rates_within_bounds',
    kind: 'data',
    description: 'the overall conversion rates (view to cart, cart to purchase, view to purchase; all products and dates) lie in [0, 1]',
    sql: `WITH p AS (
  SELECT product_id, category,
    CAST(SUM(views) AS DOUBLE) AS views, CAST(SUM(add_to_carts) AS DOUBLE) AS carts, CAST(SUM(purchases) AS DOUBLE) AS purchases
  FROM {{gold.product_funnel}} GROUP BY product_id, category
),
t AS (
  SELECT SUM(views) AS views, SUM(carts) AS carts, SUM(purchases) AS purchases,
    ${countIf('carts > views OR purchases > carts')} AS products_above_one
  FROM p
),
r AS (
  SELECT carts / NULLIF(views, 0) AS view_to_cart, purchases / NULLIF(carts, 0) AS cart_to_purchase, purchases / NULLIF(views, 0) AS view_to_purchase,
    products_above_one, views
  FROM t
)
SELECT
  ${big(`(CASE WHEN view_to_cart NOT BETWEEN 0 AND 1 THEN 1 ELSE 0 END) + (CASE WHEN cart_to_purchase NOT BETWEEN 0 AND 1 THEN 1 ELSE 0 END) + (CASE WHEN view_to_purchase NOT BETWEEN 0 AND 1 THEN 1 ELSE 0 END)`)} AS failures,
  ${big('views')} AS rows_checked,
  'view_to_cart=' || COALESCE(${txt('CAST(view_to_cart AS DECIMAL(18, 4))')}, 'n/a') || ' cart_to_purchase=' || COALESCE(${txt('CAST(cart_to_purchase AS DECIMAL(18, 4))')}, 'n/a')
    || ' view_to_purchase=' || COALESCE(${txt('CAST(view_to_purchase AS DECIMAL(18, 4))')}, 'n/a') || ' products with a per-product rate above 1: ' || ${txt(big('products_above_one'))} AS observed
FROM r`,
  },
  {
    id: 'revenue_non_negative',
    kind: 'data',
    description: 'no negative revenue in silver or gold.hourly_revenue',
    sql: `WITH v AS (
  SELECT revenue FROM {{silver.events}} WHERE revenue IS NOT NULL
  UNION ALL
  SELECT revenue FROM {{gold.hourly_revenue}}
)
SELECT
  ${big(countIf('revenue < 0'))} AS failures,
  ${big('COUNT(*)')} AS rows_checked,
  'min revenue=' || COALESCE(${txt('MIN(revenue)')}, 'n/a') AS observed
FROM v`,
  },
  {
    id: 'silver_partitions_match_event_time',
    kind: 'data',
    description: 'every silver row sits in the event_date/event_hour partition of its own event_ts (UTC)',
    sql: `SELECT
  ${big(countIf('CAST(event_ts AS DATE) <> event_date OR hour(event_ts) <> event_hour'))} AS failures,
  ${big('COUNT(*)')} AS rows_checked,
  'rows=' || ${txt('COUNT(*)')} AS observed
FROM {{silver.events}}`,
  },
];

/** Structural: each lake table can be read (on an empty lake too). */
const READABLE_CHECKS: CheckDefinition[] = TABLES.filter((t) => t.layer !== 'raw').map((t) => ({
  id: `table_readable_${t.id.replace('.', '_')}`,
  kind: 'structural' as const,
  description: `table ${t.id} can be read`,
  sql: `SELECT CAST(0 AS BIGINT) AS failures, ${big('COUNT(*)')} AS rows_checked, ${txt('COUNT(*)')} || ' rows' AS observed FROM {{${t.id}}}`,
}));

/** Every shared check on the lake's data and structure (the query checks come from queryChecks()). */
export const CHECKS: readonly CheckDefinition[] = [...READABLE_CHECKS, ...DATA_CHECKS];

/**
 * "Each of the 5 queries runs": one structural check per query. The query's unqualified gold
 * table names become placeholders, so each runner qualifies them like every other check.
 */
export function queryChecks(queries: readonly DeliverableQuery[]): CheckDefinition[] {
  const gold = TABLES.filter((t) => t.layer === 'gold');
  return queries.map((q) => {
    let sql = q.sql;
    for (const t of gold) sql = sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)${t.name}\\b`, 'gi'), `$1$2{{${t.id}}}`);
    return {
      id: `query_${q.id}_${q.name}_runs`,
      kind: 'structural' as const,
      description: `deliverable query ${q.id} (${q.name}) runs`,
      sql: `SELECT CAST(0 AS BIGINT) AS failures, ${big('COUNT(*)')} AS rows_checked, ${txt('COUNT(*)')} || ' rows' AS observed FROM (\n${sql}\n) q`,
    };
  });
}
