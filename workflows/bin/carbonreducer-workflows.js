#!/usr/bin/env node
// The old name of `carbonreducer workflows` (same arguments and output): cli/src/commands/workflows.ts.
require('tsx/cjs');
require('@carbonreducer/cli/src/main.ts').runCli(['workflows'], 'carbonreducer-workflows');
