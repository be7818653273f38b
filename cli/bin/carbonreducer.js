#!/usr/bin/env node
require('tsx/cjs');
require('../src/main.ts').runCli();
