#!/usr/bin/env node
// The old name of `carbonreducer optimizer` (same arguments and output): cli/src/commands/optimizer.ts, which gives
// `evaluate --forecast model` this package's champion intensity model.
require('tsx/cjs');
require('@carbonreducer/cli/src/main.ts').runCli(['optimizer'], 'carbonreducer-optimizer');
