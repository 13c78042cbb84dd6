import { expect } from 'chai';
import * as fs from 'fs';
import { SparkSQL, TrinoSQL } from 'dt-sql-parser';
import { CHECKS, queryChecks, renderCheckSql, renderCheckWindow, windowEndingOn } from '../../etl/checks';
import { manifest, sqlFiles, sqlPath } from '../../etl/manifest';
import { loadQueries, QUERIES_PATH } from '../../queries';

/** dt-sql-parser's validate() returns a list of syntax errors ([] = valid). */
const errorsOf = (parser: SparkSQL | TrinoSQL, sql: string) => parser.validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);

describe('SQL grammar (dt-sql-parser)', () => {
  const spark = new SparkSQL();
  const trino = new TrinoSQL();

  it('the validators do report errors (sanity)', () => {
    expect(errorsOf(spark, 'SELECT (a FROM t')).to.not.deep.equal([]);
    expect(errorsOf(spark, 'SELECT a FROM t WHERE x = ')).to.not.deep.equal([]);
    expect(errorsOf(trino, 'SELECT FROM')).to.not.deep.equal([]);
  });

  it('the manifest names exactly the SQL files in etl/sql', () => {
    expect(
      fs
        .readdirSync(`${__dirname}/../../etl/sql`)
        .filter((f) => f.endsWith('.sql'))
        .sort(),
    ).to.deep.equal(
      sqlFiles()
        .map((f) => f.replace('sql/', ''))
        .sort(),
    );
  });

  for (const step of manifest.steps.filter((s) => s.sql)) {
    it(`${step.sql} is one statement of the SparkSQL grammar`, () => {
      const sql = fs.readFileSync(sqlPath(step), 'utf8');
      expect(sql.trim().endsWith(';'), 'no trailing semicolon (spark.sql runs one statement)').to.equal(false);
      expect(errorsOf(spark, sql)).to.deep.equal([]);
    });
  }

  it('queries/queries.sql passes the TrinoSQL grammar, as a file and per query', () => {
    expect(errorsOf(trino, fs.readFileSync(QUERIES_PATH, 'utf8'))).to.deep.equal([]);
    const queries = loadQueries();
    expect(queries.map((q) => q.name)).to.deep.equal(['conversion_funnel', 'hourly_revenue', 'top_viewed_products', 'category_performance', 'user_activity']);
    for (const q of queries) expect(errorsOf(trino, q.sql), q.name).to.deep.equal([]);
  });

  it('every check, rendered for Athena with a window, passes the TrinoSQL and SparkSQL grammars', () => {
    // A window across a year boundary: the source-day predicate lists two years, months and days.
    const window = windowEndingOn('2026-01-01', 2);
    for (const check of [...CHECKS, ...queryChecks(loadQueries())]) {
      const sql = renderCheckWindow(
        renderCheckSql(check.sql, (t) => `${t.database}_jdoe_01.${t.name}`),
        window,
      );
      expect(sql, check.id).to.not.match(/\{\{|"/);
      expect(errorsOf(trino, sql), check.id).to.deep.equal([]);
      expect(errorsOf(spark, sql), check.id).to.deep.equal([]);
    }
  });
});
