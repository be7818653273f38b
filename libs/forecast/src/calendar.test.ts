import { easterSundayMs, isUkBankHoliday, ukBankHolidaysMs } from './calendar';

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('UK bank holidays (England and Wales)', () => {
  it('computes Easter Sunday', () => {
    expect(iso(easterSundayMs(2014))).toBe('2014-04-20');
    expect(iso(easterSundayMs(2023))).toBe('2023-04-09');
    expect(iso(easterSundayMs(2024))).toBe('2024-03-31');
  });
  it('matches the published 2014 and 2023 lists, substitutes included', () => {
    expect(ukBankHolidaysMs(2014).map(iso)).toEqual([
      '2014-01-01',
      '2014-04-18',
      '2014-04-21',
      '2014-05-05',
      '2014-05-26',
      '2014-08-25',
      '2014-12-25',
      '2014-12-26',
    ]);
    expect(ukBankHolidaysMs(2023).map(iso)).toEqual([
      '2023-01-02',
      '2023-04-07',
      '2023-04-10',
      '2023-05-01',
      '2023-05-08',
      '2023-05-29',
      '2023-08-28',
      '2023-12-25',
      '2023-12-26',
    ]);
    // Christmas on a Saturday: Monday and Tuesday off.
    expect(ukBankHolidaysMs(2021).map(iso).slice(-2)).toEqual(['2021-12-27', '2021-12-28']);
  });
  it('answers for any time of the day', () => {
    expect(isUkBankHoliday(Date.parse('2023-05-29T17:30:00Z'))).toBe(true);
    expect(isUkBankHoliday(Date.parse('2023-05-30T00:00:00Z'))).toBe(false);
  });
});
