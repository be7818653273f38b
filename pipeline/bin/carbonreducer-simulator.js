#!/usr/bin/env node
require('tsx/cjs');
require('../src/simulator/cli.ts');
