/**
 * A Trino server on loopback for the Trino test layer (tests/etl/trino.test.ts): the server
 * distribution from Maven Central, unpacked under `.trino/` (git-ignored) with only the Hive
 * plugin, a Hive catalog with a file metastore over local folders, started and stopped with
 * Trino's own launcher.
 *
 * Why this release: Athena engine v3 is built on Trino and follows its releases; the newest
 * release the project's Maven mirror publishes is used. It needs Java 24 or newer, so the JDK is
 * looked up among the installed ones (Trino refuses an older JVM at start-up).
 *
 * The archive's cache is the Maven local repository (`~/.m2`): `mvn dependency:copy` downloads
 * it once per machine and only copies it afterwards. The CLI is scripts/trino.ts.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const TRINO_VERSION = '476';
/** The oldest Java release Trino 476 starts on. */
export const TRINO_MIN_JAVA = 24;
export const TRINO_ARTIFACT = `io.trino:trino-server:${TRINO_VERSION}:tar.gz`;
/** The one connector the layer needs; the other plugins are deleted after unpacking (faster start-up). */
const KEPT_PLUGINS = ['hive'];

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Everything the layer keeps on disk, under one git-ignored folder of the project. */
export interface TrinoPaths {
  readonly root: string;
  /** The unpacked server distribution. */
  readonly home: string;
  readonly etc: string;
  /** Trino's node data directory (the launcher's --data-dir): pid file, logs (see serverLog). */
  readonly var: string;
  /** `local.location` of the Hive catalog: `local:///x` is `<data>/x` on disk. */
  readonly data: string;
  /** Lakes the tests register live here (`local:///lakes/<name>`). */
  readonly lakes: string;
}

export function trinoPaths(root: string = process.env.LAKEHOUSE_TRINO_DIR ?? path.join(PROJECT_ROOT, '.trino')): TrinoPaths {
  return {
    root,
    home: path.join(root, `trino-server-${TRINO_VERSION}`),
    etc: path.join(root, 'etc'),
    var: path.join(root, 'var'),
    data: path.join(root, 'data'),
    lakes: path.join(root, 'data', 'lakes'),
  };
}

/** Loopback port of the server. */
export function trinoPort(): number {
  const raw = process.env.LAKEHOUSE_TRINO_PORT ?? '18080';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error(`LAKEHOUSE_TRINO_PORT='${raw}': expected a port number 1024-65535`);
  return port;
}

export function trinoUrl(): string {
  return `http://127.0.0.1:${trinoPort()}`;
}

/** `node.environment` of our server: a server answering on the port with another one is not ours. */
export const TRINO_ENVIRONMENT = 'lakehouse_test';

// ---------------------------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------------------------

/** Major version of a `java -version` output, e.g. 17 for `openjdk version "17.0.15"`. */
export function javaMajor(versionOutput: string): number | null {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return null;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

function javaVersionOf(javaHome: string): number | null {
  const java = path.join(javaHome, 'bin', 'java');
  if (!fs.existsSync(java)) return null;
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return out.status === 0 ? javaMajor(`${out.stderr}${out.stdout}`) : null;
}

/**
 * A JDK home able to run the server: LAKEHOUSE_TRINO_JAVA_HOME, JAVA_HOME, then the JDKs under
 * /usr/lib/jvm (newest first). Returns why not when none qualifies.
 */
export function findTrinoJava(): { javaHome: string; major: number } | { problem: string } {
  const candidates: string[] = [];
  if (process.env.LAKEHOUSE_TRINO_JAVA_HOME) candidates.push(process.env.LAKEHOUSE_TRINO_JAVA_HOME);
  if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  const jvmDir = '/usr/lib/jvm';
  if (fs.existsSync(jvmDir)) {
    for (const name of fs.readdirSync(jvmDir).sort().reverse()) candidates.push(path.join(jvmDir, name));
  }
  const seen: string[] = [];
  for (const home of candidates) {
    const major = javaVersionOf(home);
    if (major === null) continue;
    if (major >= TRINO_MIN_JAVA) return { javaHome: home, major };
    seen.push(`${home} (Java ${major})`);
  }
  return {
    problem:
      `Trino ${TRINO_VERSION} needs Java ${TRINO_MIN_JAVA} or newer; found ${seen.length > 0 ? seen.join(', ') : 'no JDK'}. ` +
      `Install one (e.g. a Temurin JDK 25 under /usr/lib/jvm) or set LAKEHOUSE_TRINO_JAVA_HOME`,
  };
}

// ---------------------------------------------------------------------------------------------
// Fetch and unpack
// ---------------------------------------------------------------------------------------------

/** True when the server distribution is unpacked (the marker is written last). */
export function isInstalled(paths: TrinoPaths = trinoPaths()): boolean {
  return fs.existsSync(path.join(paths.home, '.lakehouse-unpacked'));
}

/**
 * Fetches the server archive through Maven (cached in the Maven local repository) and unpacks it
 * with only the Hive plugin. Does nothing when already unpacked.
 */
export function installServer(paths: TrinoPaths = trinoPaths(), log: (line: string) => void = () => undefined): void {
  if (isInstalled(paths)) {
    log(`trino: server ${TRINO_VERSION} already unpacked in ${paths.home}`);
    return;
  }
  fs.mkdirSync(paths.root, { recursive: true });
  const download = path.join(paths.root, 'download');
  const unpack = path.join(paths.root, 'unpack');
  fs.rmSync(download, { recursive: true, force: true });
  fs.rmSync(unpack, { recursive: true, force: true });
  try {
    log(`trino: fetching ${TRINO_ARTIFACT} through Maven (downloaded once, then copied from the Maven local repository)`);
    const mvn = spawnSync('mvn', ['-q', 'dependency:copy', `-Dartifact=${TRINO_ARTIFACT}`, `-DoutputDirectory=${download}`], { encoding: 'utf8' });
    if (mvn.error) throw new Error(`trino: cannot run mvn (${mvn.error.message}): install Maven (apt-get install maven)`);
    if (mvn.status !== 0) throw new Error(`trino: mvn could not fetch ${TRINO_ARTIFACT}: ${lastLines(`${mvn.stdout}${mvn.stderr}`, 5)}`);
    const archive = path.join(download, `trino-server-${TRINO_VERSION}.tar.gz`);
    log(`trino: unpacking into ${paths.home}`);
    fs.mkdirSync(unpack, { recursive: true });
    // Everything is extracted: plugins share files through hard links, so one plugin alone cannot be.
    execFileSync('tar', ['-xzf', archive, '-C', unpack]);
    const unpacked = path.join(unpack, `trino-server-${TRINO_VERSION}`);
    const plugins = path.join(unpacked, 'plugin');
    for (const name of fs.readdirSync(plugins)) {
      if (!KEPT_PLUGINS.includes(name)) fs.rmSync(path.join(plugins, name), { recursive: true, force: true });
    }
    fs.rmSync(paths.home, { recursive: true, force: true });
    fs.renameSync(unpacked, paths.home);
    fs.writeFileSync(path.join(paths.home, '.lakehouse-unpacked'), `${TRINO_ARTIFACT}\n`);
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
    fs.rmSync(unpack, { recursive: true, force: true });
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const props = (entries: Record<string, string | number>) =>
  Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n';

/**
 * Writes etc/: one coordinator that also runs the work, bound to loopback, sized for a small
 * machine (2 GB heap, few threads), and the `hive` catalog over `<data>` with a file metastore.
 */
export function writeConfig(paths: TrinoPaths = trinoPaths(), port: number = trinoPort()): void {
  fs.mkdirSync(path.join(paths.etc, 'catalog'), { recursive: true });
  fs.mkdirSync(path.join(paths.data, 'metastore'), { recursive: true });
  fs.mkdirSync(paths.lakes, { recursive: true });
  fs.writeFileSync(
    path.join(paths.etc, 'node.properties'),
    props({
      'node.environment': TRINO_ENVIRONMENT,
      'node.id': 'lakehouse-trino',
      'node.data-dir': paths.var,
      'node.bind-ip': '127.0.0.1',
      'node.internal-address': '127.0.0.1',
    }),
  );
  // A short-lived test server on a small machine: the C1 compiler only (no C2 compile threads
  // competing for 2 cores while it warms up) and the serial collector (no GC worker threads).
  const jvm = [
    '-server',
    '-Xmx2G',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djdk.attach.allowAttachSelf=true',
    '-XX:+EnableDynamicAgentLoading',
  ];
  fs.writeFileSync(path.join(paths.etc, 'jvm.config'), `${jvm.join('\n')}\n`);
  fs.writeFileSync(
    path.join(paths.etc, 'config.properties'),
    props({
      coordinator: 'true',
      'node-scheduler.include-coordinator': 'true',
      'http-server.http.port': port,
      'discovery.uri': `http://127.0.0.1:${port}`,
      'query.max-memory': '1GB',
      'query.max-memory-per-node': '1GB',
      'task.concurrency': 2,
      'task.max-worker-threads': 4,
      'web-ui.enabled': 'false',
    }),
  );
  fs.writeFileSync(path.join(paths.etc, 'log.properties'), props({ 'io.trino': 'INFO' }));
  fs.writeFileSync(
    path.join(paths.etc, 'catalog', 'hive.properties'),
    props({
      'connector.name': 'hive',
      'hive.metastore': 'file',
      'hive.metastore.catalog.dir': 'local:///metastore',
      'fs.native-local.enabled': 'true',
      'local.location': paths.data,
      // Tables are created over data the engines wrote; Trino never writes to them.
      'hive.non-managed-table-writes-enabled': 'false',
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Start, stop, status
// ---------------------------------------------------------------------------------------------

/** The server's log, where a failed start-up says why. */
export function serverLog(paths: TrinoPaths = trinoPaths()): string {
  return path.join(paths.var, 'var', 'log', 'server.log');
}

export interface ServerInfo {
  readonly version: string;
  readonly environment: string;
  readonly starting: boolean;
}

/** /v1/info of the server on the port, or null when nothing answers. */
export async function serverInfo(url: string = trinoUrl()): Promise<ServerInfo | null> {
  try {
    const res = await fetch(`${url}/v1/info`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return null;
    const body = (await res.json()) as { nodeVersion?: { version?: string }; environment?: string; starting?: boolean };
    return { version: body.nodeVersion?.version ?? '', environment: body.environment ?? '', starting: body.starting ?? true };
  } catch {
    return null;
  }
}

function launcher(paths: TrinoPaths, javaHome: string, command: 'start' | 'stop' | 'status'): { status: number; output: string } {
  const res = spawnSync(path.join(paths.home, 'bin', 'launcher'), [command, `--etc-dir=${paths.etc}`, `--data-dir=${paths.var}`], {
    encoding: 'utf8',
    env: { ...process.env, JAVA_HOME: javaHome, PATH: `${path.join(javaHome, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  return { status: res.status ?? 1, output: `${res.stdout ?? ''}${res.stderr ?? ''}`.trim() };
}

export interface StartResult {
  /** False when a server of ours was already running (and is left running by stopIfStarted). */
  readonly started: boolean;
  readonly url: string;
  readonly seconds: number;
}

/**
 * Starts the server in the background unless ours already answers on the port, then waits until
 * it accepts queries. Fails naming the log when it does not come up.
 */
export async function startServer(opts: { paths?: TrinoPaths; timeoutMs?: number; log?: (line: string) => void } = {}): Promise<StartResult> {
  const paths = opts.paths ?? trinoPaths();
  const log = opts.log ?? (() => undefined);
  const url = trinoUrl();
  const t0 = Date.now();
  const running = await serverInfo(url);
  if (running && running.environment !== TRINO_ENVIRONMENT) {
    throw new Error(`port ${trinoPort()} answers as Trino environment '${running.environment}', not this project's: set LAKEHOUSE_TRINO_PORT to a free port`);
  }
  if (running && !running.starting) return { started: false, url, seconds: 0 };
  if (!isInstalled(paths)) throw new Error(`Trino server not unpacked in ${paths.home}: run \`npm run trino:fetch\``);
  const java = findTrinoJava();
  if ('problem' in java) throw new Error(java.problem);
  let started = false;
  if (!running) {
    writeConfig(paths);
    const res = launcher(paths, java.javaHome, 'start');
    if (res.status !== 0) throw new Error(`trino launcher start failed: ${res.output}`);
    started = true;
    log(`trino: starting ${TRINO_VERSION} on ${url} (Java ${java.major} from ${java.javaHome})`);
  }
  const deadline = t0 + (opts.timeoutMs ?? 180_000);
  for (;;) {
    const info = await serverInfo(url);
    if (info && !info.starting) break;
    if (started && launcher(paths, java.javaHome, 'status').status !== 0) {
      throw new Error(`Trino exited during start-up: see ${serverLog(paths)}`);
    }
    if (Date.now() > deadline)
      throw new Error(`Trino did not come up on ${url} within ${Math.round((opts.timeoutMs ?? 180_000) / 1000)} s: see ${serverLog(paths)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { started, url, seconds: (Date.now() - t0) / 1000 };
}

/** Stops the server started from `paths` (a no-op when it is not running). */
export function stopServer(paths: TrinoPaths = trinoPaths()): void {
  if (!isInstalled(paths)) return;
  const java = findTrinoJava();
  const res = launcher(paths, 'javaHome' in java ? java.javaHome : (process.env.JAVA_HOME ?? '/usr'), 'stop');
  if (res.status !== 0 && !/not running/i.test(res.output)) throw new Error(`trino launcher stop failed: ${res.output}`);
}
