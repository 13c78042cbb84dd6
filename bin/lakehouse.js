#!/usr/bin/env node
// The CLI is written in TypeScript; tsx (esbuild) transpiles it on the fly so that
// `npx lakehouse` needs no build step. Type checking happens in `npm test` (tsc --noEmit).
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`lakehouse: ${err && err.message ? err.message : err}`);
      process.exitCode = 1;
    },
  );
