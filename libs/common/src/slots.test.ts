import { slotContains, slotDurationMs } from './slots';

describe('slots', () => {
  it('are half-open: the start is in, the end is out', () => {
    const slot = { fromMs: 1_800_000, toMs: 3_600_000 };
    expect(slotDurationMs(slot)).toBe(1_800_000);
    expect(slotContains(slot, 1_800_000)).toBe(true);
    expect(slotContains(slot, 3_599_999)).toBe(true);
    expect(slotContains(slot, 3_600_000)).toBe(false);
  });
});
