#!/usr/bin/env node
// The old name of `carbonreducer simulate` (same arguments and output): the simulator's commander command, declared
// once in src/simulator/args.ts.
require('tsx/cjs');
require('@carbonreducer/cli/src/main.ts').runCli(['simulate'], 'carbonreducer-simulator');
