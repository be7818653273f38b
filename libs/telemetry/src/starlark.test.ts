import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STARLARK_BEGIN, STARLARK_END, renderStarlarkContract } from './starlark';

const starFile = join(__dirname, '..', '..', '..', 'provisioning', 'telegraf', 'telegraf.d', 'telemetry.star');

describe('Telegraf Starlark validator', () => {
  it('carries the contract tables generated from contract.ts', () => {
    const text = readFileSync(starFile, 'utf8');
    const start = text.indexOf(STARLARK_BEGIN);
    const end = text.indexOf(STARLARK_END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    // On failure: paste the output of `npx tsx libs/telemetry/bin/render-starlark.ts` between the markers.
    expect(text.slice(start, end + STARLARK_END.length)).toBe(renderStarlarkContract());
  });
});
