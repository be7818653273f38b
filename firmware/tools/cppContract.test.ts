import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCppContract, renderEncodingFixtures } from './cppContract';

const root = join(__dirname, '..');

// On failure: run `npx tsx firmware/tools/render.ts` and commit the regenerated files.
describe('firmware C++ contract', () => {
  it('carries the contract tables generated from libs/telemetry', () => {
    expect(readFileSync(join(root, 'core', 'include', 'cr', 'contract_generated.h'), 'utf8')).toBe(renderCppContract());
  });

  it('has encoder fixtures made by the TypeScript encoder', () => {
    const onDisk: unknown = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'encoding.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(renderEncodingFixtures())));
  });
});
