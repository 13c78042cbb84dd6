/**
 * `npm run bench:generator`: our streaming generator against the course starter's method
 * (bench/starter-baseline.ts) on the same number of events, side by side.
 *
 * Each measurement runs in its own child process so that peak RSS (process.resourceUsage().maxRSS,
 * read by the child at its end) belongs to that method alone. Runs are interleaved and repeated;
 * the table shows medians. A benchmark, not a test: it prints figures and asserts nothing.
 *
 *   npm run bench:generator [-- --events 625000 --runs 3 --level 6]
 *   npm run bench:generator -- --lambda-sizing [--events 750000]   (Lambda memory/timeout sizing)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

interface Measurement {
  name: string;
  events: number;
  seconds: number;
  rawBytes: number;
  gzipBytes: number;
  startRssKB: number;
  maxRssKB: number;
  phases?: Record<string, number>;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: expected a whole number >= 1, got '${process.argv[i + 1]}'`);
  return v;
}

/** Child mode: one file of `events` lines through the real generator, to a local file. */
async function child(): Promise<void> {
  const events = flag('events', 625_000);
  const level = flag('level', 6);
  const outDir = process.argv[process.argv.indexOf('--out') + 1];
  const { generateFiles } = require('../generator/index') as typeof import('../generator/index');
  const startRssKB = process.resourceUsage().maxRSS;
  const t0 = process.hrtime.bigint();
  const { files } = await generateFiles({
    outDir,
    files: 1,
    minEvents: events,
    maxEvents: events,
    start: new Date('2025-11-19T17:00:00Z'),
    intervalMinutes: 5,
    seed: 1,
    duplicateRate: 0,
    malformedRate: 0,
    gzipLevel: level,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m: Measurement = {
    name: `ours, streaming (gzip ${level})`,
    events,
    seconds,
    rawBytes: files[0].rawBytes,
    gzipBytes: files[0].gzipBytes,
    startRssKB,
    maxRssKB: process.resourceUsage().maxRSS,
  };
  console.log(JSON.stringify(m));
}

/**
 * Child mode for Lambda sizing: the handler's code path (generateToS3 -> multipart upload) for
 * one file, with an in-memory stand-in for S3. Prints wall time, CPU seconds and peak RSS.
 */
async function lambdaChild(): Promise<void> {
  const events = flag('events', 750_000);
  const { generateToS3, readConfig } = require('../generator/lambda') as typeof import('../generator/lambda');
  let uploaded = 0;
  const fakeS3 = {
    async send(command: { constructor: { name: string }; input: { Body?: Buffer } }) {
      if (command.constructor.name === 'CreateMultipartUploadCommand') return { UploadId: 'bench' };
      if (command.constructor.name === 'UploadPartCommand') {
        uploaded += command.input.Body?.length ?? 0;
        return { ETag: '"bench"' };
      }
      return {};
    },
  } as unknown as import('@aws-sdk/client-s3').S3Client;
  const config = readConfig({ SOURCE_BUCKET: 'bench', MIN_EVENTS: String(events), MAX_EVENTS: String(events), SEED: '1' });
  const startRssKB = process.resourceUsage().maxRSS;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await generateToS3(config, fakeS3, new Date('2025-11-19T17:00:00Z'));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      events: result.event_count,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      gzipBytes: uploaded,
      startRssKB,
      maxRssKB: process.resourceUsage().maxRSS,
    }),
  );
}

function measure(script: string, args: string[]): Measurement {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', script, ...args], { cwd: path.join(__dirname, '..'), encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${path.basename(script)} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function parent(): void {
  const events = flag('events', 625_000);
  const runs = flag('runs', 3);
  const level = flag('level', 6);
  const work = mkdtempSync(path.join(tmpdir(), 'bench-generator-'));
  const contenders = [
    {
      key: 'ours',
      run: (i: number) =>
        measure(path.join(__dirname, 'generator.ts'), ['--child', '--events', String(events), '--level', String(level), '--out', path.join(work, `ours-${i}`)]),
    },
    {
      key: 'starter',
      run: (i: number) =>
        measure(path.join(__dirname, 'starter-baseline.ts'), ['--events', String(events), '--level', '9', '--out', path.join(work, `starter-${i}.jsonl.gz`)]),
    },
    {
      key: 'starterSameLevel',
      run: (i: number) =>
        measure(path.join(__dirname, 'starter-baseline.ts'), [
          '--events',
          String(events),
          '--level',
          String(level),
          '--out',
          path.join(work, `starter-l${level}-${i}.jsonl.gz`),
        ]),
    },
  ];
  const results: Record<string, Measurement[]> = {};
  try {
    for (let i = 0; i < runs; i++) {
      for (const c of contenders) {
        const m = c.run(i);
        (results[c.key] ??= []).push(m);
        process.stderr.write(`run ${i + 1}/${runs} ${m.name}: ${m.seconds.toFixed(2)} s, peak RSS ${(m.maxRssKB / 1024).toFixed(0)} MiB\n`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const summary = Object.fromEntries(
    Object.entries(results).map(([key, ms]) => [
      key,
      {
        name: ms[0].name,
        eventsPerSecond: median(ms.map((m) => m.events / m.seconds)),
        seconds: median(ms.map((m) => m.seconds)),
        rawMB: ms[0].rawBytes / 1e6,
        gzipMB: ms[0].gzipBytes / 1e6,
        peakRssMiB: median(ms.map((m) => m.maxRssKB / 1024)),
        startRssMiB: median(ms.map((m) => m.startRssKB / 1024)),
        phases: ms[0].phases ? Object.fromEntries(Object.keys(ms[0].phases).map((k) => [k, median(ms.map((m) => m.phases?.[k] ?? 0))])) : undefined,
      },
    ]),
  );
  const cols = ['ours', 'starter', 'starterSameLevel'].map((k) => summary[k]);
  const row = (label: string, cells: string[]) => `${label.padEnd(26)}${cells.map((c) => c.padStart(26)).join('')}`;
  const lines = [
    `Generator benchmark: ${events.toLocaleString('en-US')} events, ${runs} run(s) each (median), Node ${process.version}, ${require('node:os').cpus().length} CPU(s)`,
    '',
    row(
      '',
      cols.map((c) => c.name),
    ),
    row(
      'events/s',
      cols.map((c) => Math.round(c.eventsPerSecond).toLocaleString('en-US')),
    ),
    row(
      'seconds',
      cols.map((c) => c.seconds.toFixed(2)),
    ),
    row(
      'raw MB',
      cols.map((c) => c.rawMB.toFixed(1)),
    ),
    row(
      'gzip MB',
      cols.map((c) => c.gzipMB.toFixed(1)),
    ),
    row(
      'peak RSS MiB',
      cols.map((c) => c.peakRssMiB.toFixed(0)),
    ),
    row(
      '  of which at start',
      cols.map((c) => c.startRssMiB.toFixed(0)),
    ),
    '',
    ...cols
      .filter((c) => c.phases)
      .map(
        (c) =>
          `phases of ${c.name}: ${Object.entries(c.phases ?? {})
            .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
            .join(', ')}`,
      ),
    '',
  ];
  const ours = summary.ours;
  for (const [key, label] of [
    ['starter', 'starter method (as the starter: gzip 9)'],
    ['starterSameLevel', `starter method at our gzip level ${level}`],
  ] as const) {
    const base = summary[key];
    const speed = ours.eventsPerSecond / base.eventsPerSecond;
    const rss = ours.peakRssMiB / base.peakRssMiB;
    lines.push(
      `vs ${label}: ${speed.toFixed(1)}x events/s (target >= 5x: ${speed >= 5 ? 'met' : 'NOT met'}), ` +
        `${(rss * 100).toFixed(0)}% of its peak RSS (target <= 40%: ${rss <= 0.4 ? 'met' : 'NOT met'})`,
    );
  }
  console.log(lines.join('\n'));
}

/** Runs the Lambda code path in children, once per CPU count (taskset pins the child to N cores). */
function lambdaSizing(): void {
  const events = flag('events', 750_000);
  const runs = flag('runs', 3);
  const cpus = require('node:os').cpus().length as number;
  const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  console.log(`Lambda code path, ${events.toLocaleString('en-US')} events, S3 stubbed in memory, ${runs} run(s) each (median)`);
  for (const cores of hasTaskset ? [...new Set([1, cpus])] : [cpus]) {
    const ms: Array<{ seconds: number; cpuSeconds: number; maxRssKB: number; gzipBytes: number }> = [];
    for (let i = 0; i < runs; i++) {
      const args = ['-r', 'tsx/cjs', path.join(__dirname, 'generator.ts'), '--lambda-child', '--events', String(events)];
      const r = hasTaskset
        ? spawnSync('taskset', ['-c', Array.from({ length: cores }, (_, c) => c).join(','), process.execPath, ...args], {
            cwd: path.join(__dirname, '..'),
            encoding: 'utf8',
          })
        : spawnSync(process.execPath, args, { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`lambda child failed: ${r.stderr}`);
      ms.push(JSON.parse(r.stdout.trim().split('\n').pop() ?? ''));
    }
    console.log(
      `  ${cores} core(s): ${median(ms.map((m) => m.seconds)).toFixed(2)} s wall, ${median(ms.map((m) => m.cpuSeconds)).toFixed(2)} s CPU, ` +
        `peak RSS ${median(ms.map((m) => m.maxRssKB / 1024)).toFixed(0)} MiB, ${(ms[0].gzipBytes / 1e6).toFixed(1)} MB uploaded`,
    );
  }
}

const fail = (err: unknown) => {
  console.error(err);
  process.exit(1);
};
if (process.argv.includes('--child')) child().catch(fail);
else if (process.argv.includes('--lambda-child')) lambdaChild().catch(fail);
else if (process.argv.includes('--lambda-sizing')) lambdaSizing();
else parent();
