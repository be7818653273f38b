#!/usr/bin/env node
require('tsx/cjs');
require('../src/server.ts')
  .runCli()
  .catch((err) => {
    process.stderr.write(`carbonreducer-api: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
