/**
 * `tsx scripts/trino.ts fetch|start|stop|status`: the Trino server of the Trino test layer
 * (npm run trino:fetch / trino:start / trino:stop). See scripts/trino-server.ts.
 */
import { findTrinoJava, installServer, serverInfo, startServer, stopServer, trinoPaths, trinoUrl } from './trino-server';

const USAGE = 'usage: tsx scripts/trino.ts fetch|start|stop|status';

async function main(command: string | undefined): Promise<number> {
  const log = (line: string) => console.log(line);
  switch (command) {
    case 'fetch':
      installServer(trinoPaths(), log);
      return 0;
    case 'start': {
      const java = findTrinoJava();
      if ('problem' in java) {
        console.error(`trino: ${java.problem}`);
        return 2;
      }
      const r = await startServer({ log });
      console.log(r.started ? `trino: up on ${r.url} after ${r.seconds.toFixed(1)} s` : `trino: already running on ${r.url}`);
      return 0;
    }
    case 'stop':
      stopServer();
      console.log('trino: stopped');
      return 0;
    case 'status': {
      const info = await serverInfo();
      console.log(
        info ? `trino: ${info.version} (${info.environment}) on ${trinoUrl()}${info.starting ? ', starting' : ''}` : `trino: nothing answers on ${trinoUrl()}`,
      );
      return info ? 0 : 3;
    }
    default:
      console.error(`trino: unknown command '${command ?? ''}': ${USAGE}`);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
