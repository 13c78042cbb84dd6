/**
 * The Athena side executed: a Trino server (Athena engine v3 is built on Trino) on loopback reads
 * the lakes the DuckDB and Spark engines write from the same fixtures, through tables created
 * from the description that also renders the Glue tables. The 5 deliverable queries must answer
 * exactly as DuckDB answers (types, rounding, ordering), and the validation checks, rendered as
 * the validation provider sends them to Athena, must pass on good lakes and fail on tampered ones.
 *
 * One server start serves every test (reused when already running, stopped after if this file
 * started it). Without Java or the server the layer is skipped with the reason, except on CI
 * (CI=true), where it fails. Setup: `npm run trino:fetch` (see scripts/trino-server.ts).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import type { ValidationDatabases } from '../../components/athena-validation-provider';
import { CheckResult, CheckWindow } from '../../etl/checks';
import { localCheckWindow, runLocalChecks } from '../../etl/local/checks';
import { runIncremental } from '../../etl/local/engine';
import { QueryResult, runDeliverableQueries } from '../../etl/local/queries';
import { runSparkIncremental, sparkPython } from '../../etl/spark/engine';
import { generateFiles } from '../../generator';
import { loadQueries } from '../../queries';
import { findTrinoJava, isInstalled, StartResult, startServer, stopServer, TRINO_MIN_JAVA, TRINO_VERSION, trinoPaths } from '../../scripts/trino-server';
import { eventLine, keyAt, writeSource } from '../helpers/source-files';
import { trinoQuery } from '../helpers/trino/client';
import { runTrinoChecks } from '../helpers/trino/checks';
import { answerDifferences } from '../helpers/trino/compare';
import { lakeDatabases, registerLake, TRINO_CATALOG, unregisterLake } from '../helpers/trino/lake-catalog';
import { TAMPERINGS } from '../helpers/trino/tamper';

const ON_CI = process.env.CI === 'true';
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'starter-sample-100.jsonl.gz');
const paths = trinoPaths();

/** Why the layer cannot run here, or undefined when it can. */
function trinoUnavailable(): string | undefined {
  if (!isInstalled(paths)) return `the Trino ${TRINO_VERSION} server is not unpacked in ${paths.home}: run \`npm run trino:fetch\` (needs Maven)`;
  const java = findTrinoJava();
  return 'problem' in java ? java.problem : undefined;
}

/**
 * One source folder for every lake: the starter's own 100 lines, generated files with duplicates
 * and malformed lines across a date boundary, and events in an hour's last half millisecond
 * (Trino, like Athena, reads Hive timestamps at millisecond precision, rounding).
 */
async function writeSourceFixtures(source: string): Promise<void> {
  writeSource(source, keyAt('2025-11-19T17:55:00Z'), fs.readFileSync(FIXTURE));
  await generateFiles({
    outDir: source,
    files: 4,
    minEvents: 150,
    maxEvents: 250,
    start: new Date('2025-11-19T23:50:00Z'),
    intervalMinutes: 5,
    seed: 14,
    duplicateRate: 0.05,
    malformedRate: 0.08,
  });
  writeSource(source, keyAt('2025-11-19T19:00:00Z'), [
    eventLine({ timestamp: '2025-11-19T18:59:59.999900+00:00', user_id: 'u_20001', event_type: 'purchase', quantity: 3, price: 33.33 }),
    eventLine({ timestamp: '2025-11-19T20:59:59.9995Z', user_id: 'u_20002', event_type: 'page_view', quantity: null, price: null }),
    eventLine({
      timestamp: '2025-11-19T19:00:00Z',
      user_id: 'u_20003',
      event_type: 'add_to_cart',
      product_id: 'p_6005',
      category: 'toys',
      quantity: 1,
      price: 299.99,
    }),
  ]);
}

interface Lake {
  readonly engine: 'duckdb' | 'spark';
  readonly dir: string;
  readonly databases: ValidationDatabases;
}

const runTag = `t${process.pid}`;
const lakeDir = (name: string) => path.join(paths.lakes, `${runTag}_${name}`);
const lakeRoot = (name: string) => `local:///lakes/${runTag}_${name}`;

describe(`Trino ${TRINO_VERSION} (Athena engine v3) over lakes the engines write`, function () {
  this.timeout(300_000);
  let url = '';
  let startedHere = false;
  let serverStart: Promise<StartResult> | undefined;
  let sparkBuild: Promise<Lake | { problem: string }> | undefined;
  let source = '';
  const lakes: Partial<Record<Lake['engine'], Lake>> = {};
  let duckAnswers: QueryResult[] = [];
  let window: CheckWindow;
  const registered: ValidationDatabases[] = [];
  const created: string[] = [];

  before(async function () {
    this.timeout(900_000);
    const why = trinoUnavailable();
    if (why) {
      if (ON_CI) throw new Error(`Trino layer cannot run on CI: ${why}`);
      console.log(`    Trino layer skipped: ${why} (Java ${TRINO_MIN_JAVA}+ required; CI runs it)`);
      this.skip();
    }
    // The server boots while the engines write their lakes (its start-up is mostly waiting on the JVM).
    const t0 = Date.now();
    source = lakeDir('source');
    created.push(source);
    await writeSourceFixtures(source);
    serverStart = startServer({ paths, timeoutMs: 600_000 });
    serverStart.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    sparkBuild = buildSparkLake();
    sparkBuild.catch(() => undefined); // awaited by the Spark lake's suite
    const duck: Lake = { engine: 'duckdb', dir: lakeDir('duckdb'), databases: lakeDatabases(`${runTag}_duckdb`) };
    created.push(duck.dir);
    await runIncremental({ source, lake: duck.dir, now: new Date('2025-11-20T01:00:00Z') });
    duckAnswers = await runDeliverableQueries(duck.dir);
    window = localCheckWindow(duck.dir);
    console.log(`    DuckDB-written lake built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const server = await serverStart;
    url = server.url;
    startedHere = server.started;
    console.log(`    Trino ${server.started ? `started in ${server.seconds.toFixed(1)} s` : 'already running'} on ${url}`);
    await registerLake(url, lakeRoot('duckdb'), duck.databases);
    registered.push(duck.databases);
    lakes.duckdb = duck;
  });

  /** The Spark-written lake from the same source, or why it cannot be built here. */
  async function buildSparkLake(): Promise<Lake | { problem: string }> {
    const spark = sparkPython();
    if ('problem' in spark) return spark;
    const lake: Lake = { engine: 'spark', dir: lakeDir('spark'), databases: lakeDatabases(`${runTag}_spark`) };
    created.push(lake.dir);
    const t0 = Date.now();
    await runSparkIncremental({ source, lake: lake.dir, now: new Date('2025-11-20T01:00:00Z') });
    console.log(`    Spark-written lake built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return lake;
  }

  after(async function () {
    this.timeout(900_000);
    await sparkBuild?.catch(() => undefined);
    await serverStart?.then((server) => (startedHere = server.started)).catch(() => undefined);
    if (url) for (const databases of registered) await unregisterLake(url, databases).catch(() => undefined);
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
    if (startedHere) stopServer(paths);
  });

  /** The 5 queries of queries/queries.sql on Trino, gold as the session schema (Athena's QueryExecutionContext). */
  async function trinoAnswers(lake: Lake) {
    const out = [];
    for (const q of loadQueries()) out.push({ q, result: await trinoQuery({ url, catalog: TRINO_CATALOG, schema: lake.databases.gold }, q.sql) });
    return out;
  }

  /** Check results reduced to what both runners must agree on. */
  const figures = (results: readonly CheckResult[]) =>
    results.map((r) => ({ id: r.id, status: r.status, failures: r.failures, rowsChecked: r.rowsChecked, observed: r.observed }));

  function lakeSuite(engine: Lake['engine']) {
    describe(`the lake the ${engine} engine writes`, () => {
      before(async function () {
        this.timeout(900_000);
        if (engine !== 'spark' || lakes.spark) return;
        const built = await sparkBuild!;
        if ('problem' in built) {
          if (ON_CI) throw new Error(`the Spark-written lake cannot be built on CI: ${built.problem}`);
          console.log(`    Spark-written lake skipped: ${built.problem}`);
          this.skip();
        }
        await registerLake(url, lakeRoot('spark'), built.databases);
        registered.push(built.databases);
        lakes.spark = built;
      });

      it('the 5 deliverable queries answer on Trino exactly as on DuckDB: columns, types, rows, order, decimals', async () => {
        const lake = lakes[engine]!;
        const onDuck = engine === 'duckdb' ? duckAnswers : await runDeliverableQueries(lake.dir);
        const answers = await trinoAnswers(lake);
        expect(answers.map((a) => a.q.name)).to.deep.equal(onDuck.map((d) => d.name));
        for (const [i, { q, result }] of answers.entries()) {
          expect(result.rows.length, `query ${q.id} (${q.name}) returns rows`).to.be.greaterThan(0);
          expect(answerDifferences(result, onDuck[i]), `query ${q.id} (${q.name}) on Trino vs DuckDB`).to.deep.equal([]);
          // Both engines wrote lakes with the same answers.
          expect(answerDifferences(result, duckAnswers[i]), `query ${q.id} (${q.name}) on Trino vs DuckDB over the DuckDB-written lake`).to.deep.equal([]);
        }
      });

      it('every validation check passes on Trino, with the figures DuckDB reports', async () => {
        const lake = lakes[engine]!;
        const onTrino = await runTrinoChecks(url, lake.databases, window);
        const failing = onTrino.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.message ?? r.id);
        expect(failing).to.deep.equal([]);
        expect(onTrino.filter((r) => r.status === 'pass').length, 'checks that passed').to.be.greaterThan(10);
        expect(figures(onTrino)).to.deep.equal(figures(await runLocalChecks(lake.dir, undefined, { window })));
      });
    });
  }
  lakeSuite('duckdb');
  lakeSuite('spark');

  describe('tampered copies of the DuckDB-written lake', () => {
    for (const [i, tampering] of TAMPERINGS.entries()) {
      it(`fail ${tampering.failing.join(' and ')} on Trino, the same checks as on DuckDB, when ${tampering.name}`, async () => {
        const name = `tampered${i}`;
        const dir = lakeDir(name);
        created.push(dir);
        fs.cpSync(lakes.duckdb!.dir, dir, { recursive: true });
        await tampering.apply(dir);
        const databases = lakeDatabases(`${runTag}_${name}`);
        await registerLake(url, lakeRoot(name), databases);
        registered.push(databases);
        // The data checks: the structural ones (tables readable, queries run) cannot see tampering.
        const onTrino = await runTrinoChecks(url, databases, window, (check) => check.kind !== 'structural');
        const failed = onTrino.filter((r) => r.status === 'fail' || r.status === 'error');
        expect(
          failed.every((r) => r.status === 'fail'),
          failed.map((r) => r.message).join('; '),
        ).to.equal(true);
        expect(failed.map((r) => r.id)).to.include.members([...tampering.failing]);
        const onDuck = await runLocalChecks(dir, undefined, { window });
        expect(failed.map((r) => r.id).sort()).to.deep.equal(
          onDuck
            .filter((r) => r.status === 'fail')
            .map((r) => r.id)
            .sort(),
        );
      });
    }
  });
});

describe('comparing a Trino answer with a DuckDB answer', () => {
  const duck = {
    columns: ['product_id', 'views', 'rate'],
    columnTypes: ['VARCHAR', 'BIGINT', 'DECIMAL(10,4)'],
    rows: [
      { product_id: 'p_1001', views: 3, rate: 0.25 },
      { product_id: 'p_1002', views: 1, rate: null },
    ],
  };
  const trino = (rows: unknown[][], types = ['varchar', 'bigint', 'decimal(10,4)']) => ({
    columns: duck.columns.map((name, i) => ({ name, type: types[i] })),
    rows,
  });

  it('finds no difference in equal answers', () => {
    expect(
      answerDifferences(
        trino([
          ['p_1001', 3, '0.2500'],
          ['p_1002', 1, null],
        ]),
        duck,
      ),
    ).to.deep.equal([]);
  });

  it('names a type that differs (a DuckDB HUGEINT sum against a Trino BIGINT)', () => {
    expect(
      answerDifferences(
        trino([
          ['p_1001', 3, '0.2500'],
          ['p_1002', 1, null],
        ]),
        { ...duck, columnTypes: ['VARCHAR', 'HUGEINT', 'DECIMAL(10,4)'] },
      ),
    ).to.deep.equal(['type of views: Trino bigint, DuckDB HUGEINT']);
  });

  it('names rows in another order, a rounding difference and a missing row', () => {
    expect(
      answerDifferences(
        trino([
          ['p_1002', 1, null],
          ['p_1001', 3, '0.2500'],
        ]),
        duck,
      ),
    ).to.have.length(6);
    expect(
      answerDifferences(
        trino([
          ['p_1001', 3, '0.2501'],
          ['p_1002', 1, null],
        ]),
        duck,
      ),
    ).to.deep.equal(['row 1 rate: Trino "0.2501", DuckDB 0.25']);
    expect(answerDifferences(trino([['p_1001', 3, '0.2500']]), duck)).to.deep.equal(['rows: Trino 1, DuckDB 2']);
  });
});
