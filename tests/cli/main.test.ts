import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CommandSpec, didYouMean, formatHelp, parseFlags, UsageError } from '../../cli/args';
import { parseStart } from '../../cli/generate';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'lakehouse.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real bin, as a user would (`node bin/lakehouse.js ...`). */
function lakehouse(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `dir` (relative paths). */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

const tmpDirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-test-'));
  tmpDirs.push(dir);
  return dir;
}
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('CLI framework (cli/args.ts)', () => {
  const spec: CommandSpec = {
    name: 'demo-cmd',
    summary: 'A command for tests.',
    flags: [
      { name: 'out', type: 'string', placeholder: 'DIR', required: true, description: 'Where.' },
      { name: 'count', type: 'integer', min: 1, default: 3, description: 'How many.' },
      { name: 'rate', type: 'number', min: 0, max: 1, description: 'How often.' },
      { name: 'style', type: 'choice', choices: ['a', 'b'], description: 'Which.' },
      { name: 'verbose', type: 'boolean', description: 'Talk.' },
    ],
  };

  it('parses --flag value, --flag=value and booleans, and applies defaults', () => {
    expect(parseFlags(spec, ['--out', '/x', '--rate=0.5', '--style', 'b', '--verbose'])).to.deep.equal({
      out: '/x',
      rate: 0.5,
      style: 'b',
      verbose: true,
      count: 3,
    });
    expect(parseFlags(spec, ['--out=/y', '--count', '7', '--verbose=false'])).to.deep.equal({ out: '/y', count: 7, verbose: false });
  });

  it('turns every mistake into a UsageError naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--out', '/x', '--nope', '1'], /unknown flag --nope/],
      [['--count', '2'], /^--out: required/],
      [['--out', '/x', '--count', 'abc'], /^--count: expected a whole number >= 1, got 'abc'/],
      [['--out', '/x', '--count', '-2'], /^--count: expected a whole number >= 1, got '-2'/],
      [['--out', '/x', '--count', '1.5'], /^--count: expected a whole number/],
      [['--out', '/x', '--rate', '2'], /^--rate: expected a number from 0 to 1, got '2'/],
      [['--out', '/x', '--rate', ''], /^--rate: expected a number/],
      [['--out', '/x', '--style', 'c'], /^--style: expected one of a, b/],
      [['--out', '/x', '--out', '/y'], /^--out: given more than once/],
      [['--out'], /^--out: expected a value/],
      [['--out', '/x', 'stray'], /unexpected argument 'stray'/],
      [['--out', '/x', '--verbose=maybe'], /^--verbose: expected true or false/],
    ];
    for (const [argv, message] of cases) expect(() => parseFlags(spec, argv), argv.join(' ')).to.throw(UsageError, message);
  });

  it('renders help with every flag, its placeholder, its choices and default', () => {
    const help = formatHelp(spec);
    expect(help).to.match(/^Usage: lakehouse demo-cmd \[flags\]/);
    for (const f of spec.flags) expect(help).to.include(`--${f.name}`);
    expect(help).to.include('--out DIR');
    expect(help).to.include('--style a|b');
    expect(help).to.include('(default: 3)');
    expect(help).to.include('--help');
  });

  it('suggests the closest flag or choice for a typo, and never a far one', () => {
    expect(() => parseFlags(spec, ['--out', '/x', '--cont', '2'])).to.throw(UsageError, /^unknown flag --cont: did you mean --count\?/);
    expect(() => parseFlags(spec, ['--out', '/x', '--verbos'])).to.throw(UsageError, /did you mean --verbose\?/);
    expect(() => parseFlags(spec, ['--out', '/x', '--zzzzzzzz'])).to.throw(
      UsageError,
      /^unknown flag --zzzzzzzz: expected one of --out, --count, --rate, --style, --verbose$/,
    );
    expect(() => parseFlags(spec, ['--out', '/x', '-o'])).to.throw(UsageError, /^unknown flag -o/);
    expect(didYouMean('qurey', ['query', 'run', 'sql'])).to.equal('query');
    expect(didYouMean('gen', ['generate', 'run'])).to.equal('generate');
    expect(didYouMean('deploy', ['query', 'run', 'sql'])).to.equal(undefined);
  });

  it('error messages carry no command prefix of their own (main adds exactly one)', () => {
    for (const argv of [
      ['--out', '/x', '--nope'],
      ['--out', '/x', 'stray'],
      ['--count', '2'],
    ]) {
      expect(() => parseFlags(spec, argv)).to.throw(UsageError, /^(?!demo-cmd:)/);
    }
  });

  it('takes one positional argument when the command declares it, also after --', () => {
    const withQuery: CommandSpec = { ...spec, positional: { name: 'QUERY', description: 'SQL', required: true } };
    expect(parseFlags(withQuery, ['select 1', '--out', '/x']).QUERY).to.equal('select 1');
    expect(parseFlags(withQuery, ['--out', '/x', '--', '--not-a-flag']).QUERY).to.equal('--not-a-flag');
    expect(() => parseFlags(withQuery, ['--out', '/x'])).to.throw(UsageError, /^expected QUERY/);
    expect(() => parseFlags(withQuery, ['a', 'b', '--out', '/x'])).to.throw(UsageError, /^unexpected argument 'b'/);
  });
});

describe('lakehouse (bin)', function () {
  this.timeout(120_000);

  it('prints the command list and exits 2 without a command, 0 with --help', async () => {
    const none = await lakehouse([]);
    expect(none.code).to.equal(2);
    expect(none.stdout).to.include('Commands:');
    for (const name of ['demo', 'generate', 'run', 'query', 'sql', 'check']) expect(none.stdout).to.include(name);
    expect((await lakehouse(['--help'])).code).to.equal(0);
  });

  it("help <command> shows that command's help", async () => {
    const r = await lakehouse(['help', 'sql']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^Usage: lakehouse sql \[QUERY\] \[flags\]/);
    const typo = await lakehouse(['help', 'sqk']);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/did you mean 'sql'\?/);
  });

  it('--version prints the version of package.json', async () => {
    const r = await lakehouse(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('rejects an unknown command with one line and exit 2, suggesting a close one', async () => {
    const r = await lakehouse(['frobnicate']);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^lakehouse: unknown command 'frobnicate': expected one of demo, generate, run, query, sql, check\n$/);
    const typo = await lakehouse(['qeury']);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/^lakehouse: unknown command 'qeury': did you mean 'query'\? expected one of/);
  });

  it('names the command once in a flag error', async () => {
    const r = await lakehouse(['query', '--lake', '/nowhere', '--formt', 'csv']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('lakehouse query: unknown flag --formt: did you mean --format? (see lakehouse query --help)\n');
    expect(r.stdout).to.equal('');
  });

  it('query --help shows the format choices', async () => {
    const r = await lakehouse(['query', '--help']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include('--format table|csv|json');
  });

  it('generate --help lists every flag and exits 0', async () => {
    const r = await lakehouse(['generate', '--help']);
    expect(r.code).to.equal(0);
    for (const flag of [
      '--out DIR',
      '--files',
      '--events-per-file',
      '--min-events',
      '--max-events',
      '--start',
      '--interval-minutes',
      '--seed',
      '--duplicate-rate',
      '--malformed-rate',
    ]) {
      expect(r.stdout).to.include(flag);
    }
  });
});

describe('lakehouse generate: bad input', function () {
  this.timeout(180_000);

  let base: string;
  let fileInTheWay: string;
  before(() => {
    base = tmp();
    fileInTheWay = path.join(base, 'not-a-folder');
    writeFileSync(fileInTheWay, 'x');
  });

  const cases: Array<{ why: string; args: (out: string) => string[]; flag: string; expected: RegExp }> = [
    { why: 'unknown flag', args: (o) => ['--out', o, '--event-per-file', '10'], flag: '--event-per-file', expected: /unknown flag --event-per-file/ },
    { why: 'missing --out', args: () => ['--files', '1'], flag: '--out', expected: /--out: required/ },
    { why: 'non-numeric count', args: (o) => ['--out', o, '--files', 'two'], flag: '--files', expected: /expected a whole number/ },
    { why: 'negative count', args: (o) => ['--out', o, '--events-per-file', '-5'], flag: '--events-per-file', expected: /expected a whole number from 1/ },
    { why: 'zero files', args: (o) => ['--out', o, '--files', '0'], flag: '--files', expected: /expected a whole number from 1/ },
    { why: 'fractional count', args: (o) => ['--out', o, '--min-events', '2.5'], flag: '--min-events', expected: /expected a whole number/ },
    { why: 'max below min', args: (o) => ['--out', o, '--min-events', '100', '--max-events', '10'], flag: '--max-events', expected: />= --min-events/ },
    {
      why: 'exact count with a range',
      args: (o) => ['--out', o, '--events-per-file', '10', '--min-events', '5'],
      flag: '--events-per-file',
      expected: /not both/,
    },
    { why: 'rate above 1', args: (o) => ['--out', o, '--duplicate-rate', '1.5'], flag: '--duplicate-rate', expected: /expected a number from 0 to 1/ },
    { why: 'negative rate', args: (o) => ['--out', o, '--malformed-rate', '-0.1'], flag: '--malformed-rate', expected: /expected a number from 0 to 1/ },
    { why: 'non-numeric rate', args: (o) => ['--out', o, '--malformed-rate', 'often'], flag: '--malformed-rate', expected: /expected a number from 0 to 1/ },
    {
      why: 'rates summing above 1',
      args: (o) => ['--out', o, '--duplicate-rate', '0.6', '--malformed-rate', '0.5'],
      flag: '--duplicate-rate',
      expected: /<= 1/,
    },
    { why: 'unparsable --start', args: (o) => ['--out', o, '--start', 'yesterday'], flag: '--start', expected: /expected an ISO-8601 time/ },
    { why: 'impossible --start date', args: (o) => ['--out', o, '--start', '2025-02-30T10:00:00Z'], flag: '--start', expected: /expected an ISO-8601 time/ },
    { why: '--start outside the layout years', args: (o) => ['--out', o, '--start', '1999-01-01T00:00:00Z'], flag: '--start', expected: /2024-9999/ },
    { why: 'interval of 0', args: (o) => ['--out', o, '--interval-minutes', '0'], flag: '--interval-minutes', expected: /expected a whole number from 1/ },
    { why: 'seed out of range', args: (o) => ['--out', o, '--seed', '-1'], flag: '--seed', expected: /expected a whole number from 0/ },
    {
      why: 'unknown timestamp style',
      args: (o) => ['--out', o, '--timestamp-style', 'unix'],
      flag: '--timestamp-style',
      expected: /expected one of python, z, mixed/,
    },
    {
      why: '--out below a regular file',
      args: () => ['--out', path.join(fileInTheWay, 'sub')],
      flag: '--out',
      expected: /expected a writable folder.*is not a folder/,
    },
    { why: '--out is a regular file', args: () => ['--out', fileInTheWay], flag: '--out', expected: /expected a writable folder/ },
  ];

  for (const c of cases) {
    it(`${c.why}: one line naming ${c.flag}, exit 2, nothing written`, async () => {
      const out = path.join(base, c.why.replace(/\W+/g, '-'));
      const args = c.args(out);
      // Keep any run that wrongly succeeded small.
      const small = args.some((a) => /^--(events-per-file|min-events|max-events)$/.test(a)) ? [] : ['--events-per-file', '10'];
      const r = await lakehouse(['generate', ...args, ...small]);
      expect(r.code, r.stderr).to.equal(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.include(c.flag);
      expect(lines[0]).to.match(c.expected);
      expect(r.stdout).to.equal('');
      expect(existsSync(out), 'output folder created').to.equal(false);
      expect(readdirSync(base).sort()).to.deep.equal(['not-a-folder']);
    });
  }
});

describe('lakehouse generate: output', function () {
  this.timeout(120_000);

  it('writes the starter layout, prints one line per file plus totals, and repeats byte for byte', async () => {
    const out = tmp();
    const args = ['generate', '--out', out, '--files', '2', '--events-per-file', '1000', '--seed', '7'];
    const first = await lakehouse(args);
    expect(first.code, first.stderr).to.equal(0);
    const files = listFiles(out);
    expect(files).to.have.length(2);
    for (const f of files)
      expect(f.split(path.sep).join('/')).to.match(/^events\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/minute=\d{2}\/events-\d{8}-\d{6}\.jsonl\.gz$/);
    const printed = first.stdout.trim().split('\n');
    expect(printed).to.have.length(3);
    files.forEach((f) => expect(first.stdout).to.include(path.join(out, f)));
    expect(printed[2]).to.match(/^total: 2 file\(s\) .* lines=2000 events=2000 duplicates=0 malformed=0/);
    for (const f of files)
      expect(
        gunzipSync(readFileSync(path.join(out, f)))
          .toString()
          .split('\n')
          .filter(Boolean),
      ).to.have.length(1000);

    const digest = () =>
      files.map((f) =>
        createHash('sha256')
          .update(readFileSync(path.join(out, f)))
          .digest('hex'),
      );
    const before = digest();
    const second = await lakehouse(args);
    expect(second.code).to.equal(0);
    expect(listFiles(out)).to.deep.equal(files);
    expect(digest()).to.deep.equal(before);
  });
});

describe('parseStart', () => {
  it('accepts ISO-8601 with Z, an offset, no offset (UTC) or a date only', () => {
    expect(parseStart('2025-11-19T17:54:54Z').toISOString()).to.equal('2025-11-19T17:54:54.000Z');
    expect(parseStart('2025-11-19T17:54:54.718325+00:00').toISOString()).to.equal('2025-11-19T17:54:54.718Z');
    expect(parseStart('2025-11-19T19:54:54+02:00').toISOString()).to.equal('2025-11-19T17:54:54.000Z');
    expect(parseStart('2025-11-19T17:54').toISOString()).to.equal('2025-11-19T17:54:00.000Z');
    expect(parseStart('2025-11-19').toISOString()).to.equal('2025-11-19T00:00:00.000Z');
    for (const bad of ['2025-11-19 17:54:54', '19/11/2025', '2025-13-01T00:00:00Z', '2025-11-19T24:00:00Z', 'now']) {
      expect(() => parseStart(bad), bad).to.throw(UsageError, /^--start: expected an ISO-8601 time/);
    }
  });
});
