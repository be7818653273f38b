#!/usr/bin/env node
// The old name of `carbonreducer ingest` (same arguments and output): cli/src/commands/ingest.ts.
require('tsx/cjs');
require('@carbonreducer/cli/src/main.ts').runCli(['ingest'], 'ingest-intensity');
