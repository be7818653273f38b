import { decidePromotion } from './promotion';

describe('decidePromotion', () => {
  const candidate = { challengerVersion: 'c', challengerScore: 0.49, championVersion: 'p', championScore: 0.5 };

  it('promotes only past the margin, and always when there is no champion', () => {
    expect(decidePromotion(candidate, 0.01).promote).toBe(true);
    expect(decidePromotion(candidate, 0.1)).toEqual({
      promote: false,
      reason: 'challenger score 0.490 not below champion score 0.500 × (1 − 0.1)',
    });
    expect(decidePromotion({ ...candidate, championVersion: null, championScore: null }, 0.5).promote).toBe(true);
    expect(decidePromotion({ ...candidate, challengerScore: Number.NaN }, 0).promote).toBe(false);
  });

  it('with no margin is the strict "lower score wins" of the registry', () => {
    expect(decidePromotion({ ...candidate, challengerScore: 0.5 }, 0).promote).toBe(false);
    expect(decidePromotion({ ...candidate, challengerScore: 0.4999 }, 0).promote).toBe(true);
  });
});
