/**
 * The 5 deliverable queries (queries/queries.sql), parsed into one record per query. The SQL
 * file is the source: Athena's named queries, the local `lakehouse query` and the checks that
 * each query runs all read it through loadQueries().
 */
import * as fs from 'fs';
import * as path from 'path';

export interface DeliverableQuery {
  /** 1..5, the order in queries.sql. */
  readonly id: number;
  /** snake_case, e.g. conversion_funnel. */
  readonly name: string;
  /** The business question, from the query's comment line. */
  readonly question: string;
  /** The statement without its trailing semicolon. */
  readonly sql: string;
}

export const QUERIES_PATH = path.join(__dirname, 'queries.sql');

const HEADER = /^--\s*(\d+)\.\s+([a-z][a-z0-9_]*):\s*(.+?)\s*$/;

export function loadQueries(file: string = QUERIES_PATH): DeliverableQuery[] {
  const text = fs.readFileSync(file, 'utf8');
  const queries = splitStatements(text).map((statement, index) => parseStatement(file, statement, index));
  if (queries.length !== 5) throw new Error(`${file}: expected 5 queries separated by semicolons, found ${queries.length}`);
  queries.forEach((q, i) => {
    if (q.id !== i + 1) throw new Error(`${file}: query ${i + 1} is numbered ${q.id} in its comment: expected ${i + 1}`);
  });
  return queries;
}

function parseStatement(file: string, statement: string, index: number): DeliverableQuery {
  const lines = statement.split('\n');
  const headerAt = lines.findIndex((l) => HEADER.test(l.trim()));
  if (headerAt === -1) throw new Error(`${file}: statement ${index + 1} has no '-- <n>. <name>: <question>' comment line`);
  const [, id, name, question] = HEADER.exec(lines[headerAt].trim())!;
  const sql = lines
    .slice(headerAt + 1)
    .join('\n')
    .trim();
  if (!/^(SELECT|WITH)\b/i.test(sql)) throw new Error(`${file}: query ${id} (${name}) must be a single SELECT after its comment line`);
  return { id: Number(id), name, question, sql };
}

/** Splits on semicolons outside quotes and comments; drops empty trailing statements. */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      current += text.slice(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      current += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === ';') {
      out.push(current);
      current = '';
      i++;
    } else {
      current += c;
      i++;
    }
  }
  out.push(current);
  // A piece holding only comments (the file header, or text after the last semicolon) is not a statement.
  return out.filter((s) => s.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('--')));
}
