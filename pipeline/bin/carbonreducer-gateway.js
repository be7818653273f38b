#!/usr/bin/env node
// The old name of `carbonreducer gateway` (cli/src/commands/gateway.ts): settings from the environment.
require('tsx/cjs');
require('@carbonreducer/cli/src/main.ts').runCli(['gateway'], 'carbonreducer-gateway');
