#!/usr/bin/env node
// The old name of `carbonreducer models` (same arguments and output): the one command tree, cli/src/commands/models.ts.
require('tsx/cjs');
require('@carbonreducer/cli/src/main.ts').runCli(['models'], 'carbonreducer-models');
