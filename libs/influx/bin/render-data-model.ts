import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDataModel } from '../src/model';

const path = join(__dirname, '..', 'DATA-MODEL.md');
writeFileSync(path, renderDataModel());
console.log(`wrote ${path}`);
