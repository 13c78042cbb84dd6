/**
 * A minimal client of Trino's HTTP protocol (POST /v1/statement, then follow nextUri until the
 * result is complete): enough for the Trino test layer, with no driver dependency.
 */

export interface TrinoColumn {
  readonly name: string;
  /** Trino's type signature, e.g. `bigint`, `decimal(10,4)`, `varchar`. */
  readonly type: string;
}

export interface TrinoResult {
  readonly columns: readonly TrinoColumn[];
  /** Rows as Trino's JSON encodes them: decimals and dates as strings, integers and doubles as numbers. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

export interface TrinoSession {
  readonly url: string;
  readonly catalog?: string;
  readonly schema?: string;
  readonly user?: string;
}

interface StatementResponse {
  nextUri?: string;
  columns?: TrinoColumn[];
  data?: unknown[][];
  stats?: { state?: string };
  error?: { message: string; errorName?: string; errorType?: string };
}

/** A statement Trino rejected or failed; `errorName` is Trino's (e.g. SYNTAX_ERROR, TYPE_MISMATCH). */
export class TrinoQueryError extends Error {
  constructor(
    message: string,
    readonly errorName: string,
  ) {
    super(message);
  }
}

export async function trinoQuery(session: TrinoSession, sql: string): Promise<TrinoResult> {
  const headers: Record<string, string> = { 'X-Trino-User': session.user ?? 'lakehouse', 'X-Trino-Source': 'lakehouse-tests' };
  if (session.catalog) headers['X-Trino-Catalog'] = session.catalog;
  if (session.schema) headers['X-Trino-Schema'] = session.schema;
  let response = await call(`${session.url}/v1/statement`, { method: 'POST', headers, body: sql });
  let columns: TrinoColumn[] | undefined;
  const rows: unknown[][] = [];
  for (;;) {
    if (response.error) {
      throw new TrinoQueryError(`${response.error.errorName ?? 'ERROR'}: ${response.error.message}`, response.error.errorName ?? 'ERROR');
    }
    columns = columns ?? response.columns;
    if (response.data) rows.push(...response.data);
    if (!response.nextUri) break;
    // The server holds each GET until it has data or a state change, so no client-side sleep is needed.
    response = await call(response.nextUri, { method: 'GET', headers });
  }
  return { columns: columns ?? [], rows };
}

async function call(url: string, init: RequestInit): Promise<StatementResponse> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, init);
    // 429/502/503/504 are the protocol's "retry the same URI" answers.
    if ([429, 502, 503, 504].includes(res.status) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      continue;
    }
    if (!res.ok) throw new Error(`Trino HTTP ${res.status} on ${init.method} ${url}: ${(await res.text()).slice(0, 300)}`);
    return (await res.json()) as StatementResponse;
  }
}

/** Rows as objects keyed by column name. */
export function rowObjects(result: TrinoResult): Array<Record<string, unknown>> {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
}
