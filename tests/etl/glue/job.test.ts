/**
 * The Glue job (etl/glue/*.py) as far as it can be checked without Spark or awsglue:
 * Python syntax, pyflakes, its orchestration against recording stand-ins (tests/etl/glue/, Python
 * unittest), and parity with the local engine: the same manifest, views and SQL files.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DEFAULT_READ_BOUNDS, readSourceLines } from '../../../etl/local/source';
import { manifest, sqlFiles } from '../../../etl/manifest';
import { tablesDocument } from '../../../etl/schema';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const GLUE_DIR = path.join(ROOT, 'etl', 'glue');
const PYTHON = 'python3';
// Debian's python3-pyflakes belongs to /usr/bin/python3 (python3 on PATH may be another install).
const PYFLAKES_PYTHON = '/usr/bin/python3';

const glueFiles = (): string[] =>
  fs
    .readdirSync(GLUE_DIR)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => path.join(GLUE_DIR, f));

let scratch: string;

/** Runs Python without writing __pycache__ into the tree. */
function python(args: string[], exe = PYTHON, env: Record<string, string> = {}) {
  return spawnSync(exe, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPYCACHEPREFIX: path.join(scratch, 'pycache'), ...env },
  });
}

/** What the Python modules declare, read once by importing them (none needs Spark or boto3). */
interface GlueDeclarations {
  inputViews: string[];
  batchFilesColumns: string[];
  batchLinesColumns: string[];
  metricsView: string;
  reasonsView: string;
  metricColumns: string[];
  reasonColumns: string[];
  requiredArgs: string[];
}

function glueDeclarations(): GlueDeclarations {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(GLUE_DIR)})`,
    'import batch_input as b, run_report as r, job_args as a',
    'print(json.dumps({"inputViews": sorted(b.INPUT_VIEWS), "batchFilesColumns": list(b.BATCH_FILES_COLUMNS),',
    '  "batchLinesColumns": list(b.BATCH_LINES_COLUMNS), "metricsView": r.METRICS_VIEW, "reasonsView": r.REASONS_VIEW,',
    '  "metricColumns": [c for c, _ in r.METRIC_COLUMNS.values()], "reasonColumns": [r.REASON_COLUMN, r.REASON_COUNT_COLUMN],',
    '  "requiredArgs": sorted(a.REQUIRED_ARGS)}))',
  ].join('\n');
  const res = python(['-c', code]);
  expect(res.status, res.stderr).to.equal(0);
  return JSON.parse(res.stdout) as GlueDeclarations;
}

/** Every string literal of a Python source (single, double, triple quoted), docstrings excluded. */
function pythonStringLiterals(source: string): string[] {
  const withoutDocstrings = source.replace(/"""[\s\S]*?"""/g, '').replace(/'''[\s\S]*?'''/g, '');
  const withoutComments = withoutDocstrings.replace(/#[^\n'"]*$/gm, '');
  const out: string[] = [];
  for (const m of withoutComments.matchAll(/"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'/g)) out.push(m[1] ?? m[2]);
  return out;
}

describe('Glue job (etl/glue)', function () {
  this.timeout(120000);

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glue-job-test-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('every etl/glue/*.py compiles (python3 -m py_compile)', () => {
    const files = glueFiles();
    expect(files.map((f) => path.basename(f))).to.include('job.py');
    // One interpreter for all files; on an error py_compile names the file and line.
    const res = python(['-m', 'py_compile', ...files]);
    expect(res.status, res.stderr).to.equal(0);
  });

  it('pyflakes finds nothing in etl/glue and tests/etl/glue', function () {
    const probe = python(['-m', 'pyflakes', '--version'], PYFLAKES_PYTHON);
    if (probe.status !== 0) {
      // .ci/run installs python3-pyflakes; a developer machine may lack it.
      console.warn(`      skipped: ${PYFLAKES_PYTHON} has no pyflakes module (apt-get install python3-pyflakes)`);
      this.skip();
    }
    const res = python(['-m', 'pyflakes', 'etl/glue', 'tests/etl/glue'], PYFLAKES_PYTHON);
    expect(res.stdout + res.stderr).to.equal('');
    expect(res.status).to.equal(0);
  });

  it('orchestration tests against the recording stand-ins pass (python3 -m unittest)', () => {
    const tablesJson = path.join(scratch, 'tables.json');
    fs.writeFileSync(tablesJson, JSON.stringify(tablesDocument()));
    const res = python(['-m', 'unittest', 'discover', '-s', 'tests/etl/glue', '-t', 'tests/etl/glue', '-v'], PYTHON, {
      LAKEHOUSE_TABLES_JSON: tablesJson,
    });
    const output = res.stdout + res.stderr;
    expect(res.status, output).to.equal(0);
    const ran = /Ran (\d+) tests?/.exec(output);
    expect(ran, output).to.not.equal(null);
    expect(Number(ran?.[1])).to.be.greaterThan(20);
    expect(output).to.match(/\nOK\b/);
    expect(output).to.not.match(/skipped/i);
  });

  describe('parity with the local engine', () => {
    let py: GlueDeclarations;
    before(() => {
      py = glueDeclarations();
    });

    it('the Glue job builds exactly the input views manifest.json declares', () => {
      expect(py.inputViews).to.deep.equal(Object.keys(manifest.inputs).sort());
    });

    it('the input view columns the job registers are the ones manifest.json describes', () => {
      const columns: Record<string, string[]> = { batch_files: py.batchFilesColumns, batch_lines: py.batchLinesColumns };
      for (const [view, names] of Object.entries(columns)) {
        const description = manifest.inputs[view];
        const described = [...description.matchAll(/(\w+) (?:STRING|TIMESTAMP)\b/g)].map((m) => m[1]);
        expect(names, view).to.deep.equal(described);
      }
    });

    it('no SQL file name, step list or table column list is written in the Python', () => {
      const inputColumns = new Set(Object.values(manifest.inputs).flatMap((d) => [...d.matchAll(/(\w+) (?:STRING|TIMESTAMP)\b/g)].map((m) => m[1])));
      // The report mapping is the one declared place that names report columns.
      const mapping = [...py.metricColumns, ...py.reasonColumns];
      const allowed = new Set<string>([...inputColumns, ...mapping]);
      const tableColumns = new Set(tablesDocument().tables.flatMap((t) => [...t.columns, ...t.partitionKeys].map((c) => c.name)));
      const stepNames = new Set(manifest.steps.filter((s) => !s.report).map((s) => s.name));
      for (const file of glueFiles()) {
        const source = fs.readFileSync(file, 'utf8');
        const rel = path.relative(ROOT, file);
        expect(source, `${rel} names a SQL file`).to.not.match(/\b\d{2}_[a-z0-9_]+\.sql\b/);
        for (const literal of pythonStringLiterals(source)) {
          if (tableColumns.has(literal)) expect(allowed.has(literal), `${rel} hard-codes column '${literal}'`).to.equal(true);
          expect(stepNames.has(literal), `${rel} hard-codes manifest step '${literal}'`).to.equal(false);
        }
      }
    });

    it('a source file gives the same lines, line problems and read problem to both engines', async () => {
      const sample = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'starter-sample-100.jsonl.gz'));
      const bom = Buffer.from([0xef, 0xbb, 0xbf]);
      const cases: Record<string, Buffer> = {
        'starter-sample.jsonl.gz': sample,
        'crlf-blank-unicode.jsonl.gz': Buffer.concat([
          zlib.gzipSync('{"a":1}\r\n\n   \n{"q":"caf\u00e9 \u2603"}\r\n'),
          zlib.gzipSync('second member, no final newline'),
        ]),
        'invalid-utf8.jsonl.gz': zlib.gzipSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0d, 0x0a, 0x6f, 0x6b, 0x0a])),
        'bom.jsonl.gz': Buffer.concat([
          zlib.gzipSync(Buffer.concat([bom, Buffer.from('a\n'), bom, Buffer.from('b\n')])),
          zlib.gzipSync(Buffer.concat([bom, Buffer.from('c\n')])),
        ]),
        // The file's bytes start with a BOM even though its first gzip member holds only part of it.
        'bom-split-members.jsonl.gz': Buffer.concat([zlib.gzipSync(bom.subarray(0, 2)), zlib.gzipSync(Buffer.concat([bom.subarray(2), Buffer.from('a\n')]))]),
        'long-lines.jsonl.gz': zlib.gzipSync(`${'x'.repeat(41)}\n${'y'.repeat(40)}\r\n${'z'.repeat(40)}\n${'w'.repeat(100)}`),
        'not-gzip.jsonl.gz': Buffer.from('plain text, not gzip\n'),
        'trailing-garbage.jsonl.gz': Buffer.concat([zlib.gzipSync('a\n'), Buffer.from('garbage')]),
        // gzip(1) and zlib in Node read a file padded with zero bytes after its last member.
        'zero-padded.jsonl.gz': Buffer.concat([zlib.gzipSync('a\n'), Buffer.alloc(8)]),
        'truncated.jsonl.gz': sample.subarray(0, Math.floor(sample.length / 2)),
        'empty.jsonl.gz': Buffer.alloc(0),
      };
      // The defaults, and bounds small enough that the cases above cross them.
      const boundSets = [DEFAULT_READ_BOUNDS, { maxLineBytes: 40, maxFileBytes: 2000 }];
      const dir = path.join(scratch, 'lines');
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, bytes] of Object.entries(cases)) fs.writeFileSync(path.join(dir, name), bytes);
      const code = [
        'import json, os, sys',
        `sys.path.insert(0, ${JSON.stringify(GLUE_DIR)})`,
        'import batch_input',
        `d = ${JSON.stringify(dir)}`,
        `bounds = ${JSON.stringify(boundSets.map((b) => [b.maxLineBytes, b.maxFileBytes]))}`,
        'out = {}',
        'for n in sorted(os.listdir(d)):',
        '    content = open(os.path.join(d, n), "rb").read()',
        '    out[n] = []',
        '    for max_line, max_file in bounds:',
        '        lines, problem, error = batch_input.read_source_file(content, max_line, max_file)',
        '        out[n].append({"lines": [[t, p] for t, p in lines], "problem": problem, "error": error})',
        'print(json.dumps(out))',
      ].join('\n');
      const res = python(['-c', code]);
      expect(res.status, res.stderr).to.equal(0);
      type GlueRead = { lines: [string, string | null][]; problem: string | null; error: string | null };
      const glue = JSON.parse(res.stdout) as Record<string, GlueRead[]>;
      const mismatches: string[] = [];
      for (const name of Object.keys(cases)) {
        for (const [i, bounds] of boundSets.entries()) {
          const lines: [string, string | null][] = [];
          const read = await readSourceLines(
            path.join(dir, name),
            bounds,
            (group) => {
              for (const l of group) lines.push([l.line, l.problem]);
            },
            { keepBlank: true },
          );
          // the read error too: it is quarantine.events' detail, compared row by row across engines
          const local = {
            lines: read.problem === undefined ? lines : [],
            problem: read.problem ?? null,
            error: read.problem === undefined ? null : read.error,
          };
          const got = glue[name][i];
          const where = `${name} (max line ${bounds.maxLineBytes}, max file ${bounds.maxFileBytes})`;
          if (JSON.stringify({ lines: got.lines, problem: got.problem, error: got.error }) !== JSON.stringify(local)) {
            mismatches.push(`${where}: local ${JSON.stringify(local)}, Glue ${JSON.stringify({ lines: got.lines, problem: got.problem, error: got.error })}`);
          }
        }
      }
      expect(mismatches, mismatches.join('\n')).to.deep.equal([]);
      // The cases do reach every outcome (a check that cannot pass vacuously).
      const [byDefault, bySmall] = [0, 1].map((i) => Object.values(glue).map((r) => r[i]));
      expect(glue['starter-sample.jsonl.gz'][0].lines).to.have.length(100);
      expect(byDefault.map((r) => r.problem)).to.include('corrupt_file');
      expect(bySmall.map((r) => r.problem)).to.include('file_too_large');
      expect(bySmall.flatMap((r) => r.lines.map(([, p]) => p))).to.include.members(['line_too_long', 'bad_encoding']);
    });

    it('the report views the job reads are report steps of manifest.json, with the columns it maps', () => {
      const report = { metrics: py.metricsView, reasons: py.reasonsView, columns: py.metricColumns, reason: py.reasonColumns };
      const reportSteps = manifest.steps.filter((s) => s.report);
      const stepOf = (name: string) => reportSteps.find((s) => s.name === name);
      expect(stepOf(report.metrics), report.metrics).to.not.equal(undefined);
      expect(stepOf(report.reasons), report.reasons).to.not.equal(undefined);
      const aliases = (name: string) => {
        const sql = fs.readFileSync(path.join(ROOT, 'etl', stepOf(name)?.sql as string), 'utf8');
        return new Set(
          [...sql.matchAll(/\bAS\s+([a-z_][a-z0-9_]*)\s*(?:,|\n|$)/gi)]
            .map((m) => m[1])
            .concat([...sql.matchAll(/^\s*([a-z_][a-z0-9_]*)\s*,\s*$/gim)].map((m) => m[1])),
        );
      };
      const metricColumns = aliases(report.metrics);
      for (const column of report.columns) expect(metricColumns.has(column), `${report.metrics} has no column ${column}`).to.equal(true);
      const reasonColumns = aliases(report.reasons);
      for (const column of report.reason) expect(reasonColumns.has(column), `${report.reasons} has no column ${column}`).to.equal(true);
    });

    it('the local engine runs the same manifest (and names no SQL file itself)', function () {
      const engine = path.join(ROOT, 'etl', 'local', 'engine.ts');
      if (!fs.existsSync(engine)) {
        console.warn('      skipped: etl/local/engine.ts does not exist yet');
        this.skip();
      }
      const source = fs.readFileSync(engine, 'utf8');
      expect(source).to.match(/from '\.\.\/manifest'/);
      expect(source).to.not.match(/\b\d{2}_[a-z0-9_]+\.sql\b/);
      for (const file of sqlFiles()) expect(fs.existsSync(path.join(ROOT, 'etl', file)), file).to.equal(true);
    });

    it('the job arguments the Python requires are the ones EtlPipeline passes', () => {
      const required = py.requiredArgs;
      expect(required).to.deep.equal([
        'JOB_NAME',
        'TempDir',
        'bronze_database',
        'etl_path',
        'gold_database',
        'lake_path',
        'metrics_namespace',
        'silver_database',
        'source_path',
      ]);
      const component = path.join(ROOT, 'components', 'etl-pipeline.ts');
      if (fs.existsSync(component)) {
        const source = fs.readFileSync(component, 'utf8');
        // JOB_NAME is set by Glue itself for every run.
        for (const name of required.filter((n) => n !== 'JOB_NAME')) expect(source, `--${name}`).to.include(`'--${name}'`);
      }
    });
  });
});
