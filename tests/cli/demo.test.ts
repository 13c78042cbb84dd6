/**
 * The main job end to end, through the real CLI (`node bin/lakehouse.js demo`), at a small volume.
 * Expected figures come from an independent generator run with the same options, never from the
 * demo's own output.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, promises as fs, readFileSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateFiles } from '../../generator';
import { tableRowCounts } from '../../etl/local/lake';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'lakehouse.js');

function lakehouse(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Reads `figure  injected  engine  match` from the printed reconciliation table. */
function printedFigure(stdout: string, figure: string): { injected: number; engine: number; match: string } {
  const escaped = figure.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = stdout.match(new RegExp(`^\\s*${escaped}\\s+([\\d,]+)\\s+([\\d,]+)\\s+(yes|NO)\\s*$`, 'm'));
  if (!m) throw new Error(`reconciliation row '${figure}' not found in the demo output:\n${stdout}`);
  const n = (s: string) => Number(s.replace(/,/g, ''));
  return { injected: n(m[1]), engine: n(m[2]), match: m[3] };
}

// Four files across midnight: batches then touch two event dates.
const OPTIONS = { eventsPerFile: 500, files: 4, seed: 7, duplicateRate: 0.05, malformedRate: 0.02, start: '2025-11-19T23:45:00Z' };
const demoArgs = (workdir: string, files = OPTIONS.files) => [
  'demo',
  '--workdir',
  workdir,
  '--events-per-file',
  String(OPTIONS.eventsPerFile),
  '--files',
  String(files),
  '--seed',
  String(OPTIONS.seed),
  '--duplicate-rate',
  String(OPTIONS.duplicateRate),
  '--malformed-rate',
  String(OPTIONS.malformedRate),
  '--start',
  OPTIONS.start,
];

describe('lakehouse demo (npm start)', function () {
  this.timeout(300_000);
  let tmp: string;
  let workdir: string;
  let run: ReturnType<typeof lakehouse>;
  let expected: { lines: number; events: number; duplicates: number; malformed: Record<string, number> };

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
    workdir = path.join(tmp, 'work');
    run = lakehouse(demoArgs(workdir));

    // The same generation, independently, for the expected figures.
    const gen = await generateFiles({
      outDir: path.join(tmp, 'expected'),
      files: OPTIONS.files,
      minEvents: OPTIONS.eventsPerFile,
      maxEvents: OPTIONS.eventsPerFile,
      start: new Date(OPTIONS.start),
      intervalMinutes: 5,
      seed: OPTIONS.seed,
      duplicateRate: OPTIONS.duplicateRate,
      malformedRate: OPTIONS.malformedRate,
    });
    const total = (f: (x: (typeof gen.files)[number]) => number) => gen.files.reduce((a, x) => a + f(x), 0);
    expected = {
      lines: total((x) => x.lines),
      events: total((x) => x.events),
      duplicates: total((x) => x.duplicates),
      malformed: Object.fromEntries(
        (['malformed_json', 'missing_field', 'unknown_event_type', 'bad_type'] as const).map((r) => [r, total((x) => x.malformed[r])]),
      ),
    };
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 0, processes one batch per file and writes the report it names', () => {
    expect(run.status, run.stderr + run.stdout).to.equal(0);
    expect(run.stdout.match(/^\s*\[\s*\d+\/4\]/gm)).to.have.length(4);
    const reportPath = path.join(workdir, 'report.html');
    expect(run.stdout).to.contain(`Report: ${reportPath}`);
    const html = readFileSync(reportPath, 'utf8');
    expect(html.match(/<svg\b/g)).to.have.length(5);
    expect(html).to.not.match(/https?:\/\//);
    // Answers first, then the accounting, then the run's details.
    const answers = html.indexOf('<h2>The five questions</h2>');
    expect(answers).to.be.greaterThan(-1);
    expect(answers).to.be.lessThan(html.indexOf('<h2>Is every line accounted for?</h2>'));
    expect(html.indexOf('<h2>Is every line accounted for?</h2>')).to.be.lessThan(html.indexOf('<h2>Run details</h2>'));
    // Sample rejected lines for every injected fault kind.
    for (const reason of Object.keys(expected.malformed).filter((r) => expected.malformed[r] > 0)) {
      expect(html, reason).to.match(new RegExp(`<td>${reason}</td><td class="num">[\\d,]+</td><td class="samples"><div><code class="sample">`));
    }
  });

  it('prints the five answers with the shared number formats', () => {
    expect(run.stdout.match(/^\d\. .+\((conversion_funnel|hourly_revenue|top_viewed_products|category_performance|user_activity)\)$/gm)).to.have.length(5);
    // Rates as percentages, money with 2 decimals.
    expect(run.stdout).to.match(/^ {2}p_\d{4}\s+\w+\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+\d+\.\d\d%\s+\d+\.\d\d%\s+\d+\.\d\d%$/m);
    expect(run.stdout).to.match(/^ {2}2025-11-(19|20)\s+\d+\s+[\d,]+\.\d\d\s+[\d,]+\s+[\d,]+$/m);
  });

  it('the generator really injected faults (otherwise reconciliation would prove nothing)', () => {
    expect(expected.duplicates).to.be.greaterThan(0);
    expect(Object.values(expected.malformed).reduce((a, b) => a + b, 0)).to.be.greaterThan(0);
  });

  it("prints engine figures that reconcile with the generator's injected counts", () => {
    expect(printedFigure(run.stdout, 'lines read')).to.deep.equal({ injected: expected.lines, engine: expected.lines, match: 'yes' });
    expect(printedFigure(run.stdout, 'events kept in silver').engine).to.equal(expected.events);
    expect(printedFigure(run.stdout, 'silver.events rows').engine).to.equal(expected.events);
    expect(printedFigure(run.stdout, 'duplicates dropped').engine).to.equal(expected.duplicates);
    for (const [reason, n] of Object.entries(expected.malformed)) {
      expect(printedFigure(run.stdout, `quarantined: ${reason}`).engine, reason).to.equal(n);
    }
  });

  it('prints every check with a status and no failures', () => {
    const section = run.stdout.slice(run.stdout.indexOf('Checks:'));
    const statuses = [...section.matchAll(/^\s{2}([a-z0-9_]+)\s+(pass|fail|no-data|observed|error)\b/gm)].map((m) => m[2]);
    expect(statuses.length).to.be.greaterThan(5);
    expect(statuses).to.not.include('fail');
    expect(statuses).to.not.include('error');
  });

  it('leaves the lake readable by the other commands: silver holds exactly the injected valid events', async () => {
    const counts = await tableRowCounts(path.join(workdir, 'lake'));
    expect(counts['silver.events']).to.equal(expected.events);
  });

  it('a second run replaces the previous demo data instead of adding to it', async () => {
    const keep = path.join(workdir, 'notes.txt');
    writeFileSync(keep, 'mine');
    const again = lakehouse(demoArgs(workdir, 1));
    expect(again.status, again.stderr + again.stdout).to.equal(0);
    expect(readFileSync(keep, 'utf8')).to.equal('mine');
    const counts = await tableRowCounts(path.join(workdir, 'lake'));
    expect(counts['silver.events']).to.equal(printedFigure(again.stdout, 'events kept in silver').injected);
    expect(counts['silver.events']).to.be.lessThan(expected.events);
    const sourceFiles = await listFiles(path.join(workdir, 'source'));
    expect(sourceFiles).to.have.length(1);
  });

  it('refuses (exit 2) a work folder whose source/ it did not create, deleting nothing', () => {
    const foreign = path.join(tmp, 'foreign');
    mkdirSync(path.join(foreign, 'source'), { recursive: true });
    writeFileSync(path.join(foreign, 'source', 'precious.txt'), 'x');
    const r = lakehouse(demoArgs(foreign, 1));
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/--workdir: .*source/);
    expect(existsSync(path.join(foreign, 'source', 'precious.txt'))).to.equal(true);
    expect(existsSync(path.join(foreign, 'lake'))).to.equal(false);
  });

  for (const [flags, named] of [
    [['--events-per-file', '0'], '--events-per-file'],
    [['--events-per-file', 'many'], '--events-per-file'],
    [['--files', '2.5'], '--files'],
    [['--duplicate-rate', '2'], '--duplicate-rate'],
    [['--start', '2025-11-19T17:00:00'], '--start'],
    [['--start', 'yesterday'], '--start'],
    [['--bogus', '1'], '--bogus'],
    [['--engine', 'sparky'], '--engine'],
  ] as const) {
    it(`exits 2 with one line naming ${named} for ${flags.join(' ')}`, () => {
      const target = path.join(tmp, 'never');
      const r = lakehouse(['demo', '--workdir', target, ...flags]);
      expect(r.status).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.contain(named);
      expect(existsSync(target)).to.equal(false);
    });
  }
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
