import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withCommandTree } from './readme';

// Rewrites the command tree in README.md's "Command line" section (cli/src/main.test.ts checks it is current).
const path = join(__dirname, '..', '..', 'README.md');
writeFileSync(path, withCommandTree(readFileSync(path, 'utf8')));
process.stdout.write(`wrote the command tree into ${path}\n`);
