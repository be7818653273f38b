#!/usr/bin/env node
require('tsx/cjs');
require('../src/gateway/cli.ts');
