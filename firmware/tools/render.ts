// Writes the generated C++ contract header and the encoder fixtures (see cppContract.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCppContract, renderEncodingFixtures } from './cppContract';

const root = join(__dirname, '..');
writeFileSync(join(root, 'core', 'include', 'cr', 'contract_generated.h'), renderCppContract());
writeFileSync(
  join(root, 'test', 'fixtures', 'encoding.json'),
  JSON.stringify(renderEncodingFixtures(), null, 2) + '\n',
);
