import { wallClockAsUtc, wallClockToInstant } from './time';

describe('wallClockToInstant', () => {
  it('inverts wallClockAsUtc', () => {
    for (const t of [Date.UTC(2023, 0, 9, 19), Date.UTC(2023, 4, 9, 18), Date.UTC(2021, 6, 1, 3, 17)]) {
      for (const tz of ['Europe/London', 'America/Los_Angeles', 'UTC']) {
        expect(wallClockToInstant(wallClockAsUtc(t, tz), tz)).toBe(t);
      }
    }
  });
});

describe('wallClockAsUtc', () => {
  it('keeps the local time of day', () => {
    // 15:00 UTC in May is 08:00 in Los Angeles (PDT).
    expect(new Date(wallClockAsUtc(Date.UTC(2021, 4, 3, 15, 0), 'America/Los_Angeles')).toISOString()).toBe(
      '2021-05-03T08:00:00.000Z',
    );
  });
});
