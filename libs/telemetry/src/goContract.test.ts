import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GO_CONTRACT_BEGIN, GO_CONTRACT_END, renderGoContract } from './goContract';

const goFile = join(__dirname, '..', '..', '..', 'pipeline', 'telegraf-processor', 'contract.go');

describe('Telegraf telemetry processor (Go)', () => {
  it('carries the contract tables generated from contract.ts', () => {
    const text = readFileSync(goFile, 'utf8');
    const start = text.indexOf(GO_CONTRACT_BEGIN);
    const end = text.indexOf(GO_CONTRACT_END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    // On failure: paste the output of `npx tsx libs/telemetry/bin/render-go-contract.ts` between the markers.
    expect(text.slice(start, end + GO_CONTRACT_END.length)).toBe(renderGoContract());
  });
});
