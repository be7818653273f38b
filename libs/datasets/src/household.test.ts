import { concatHouseholdSeries, hourlyEnergyWh, parseHouseholdCsv } from './household';

describe('household series', () => {
  const csv = (startHour: number, minutes: number, w: number) =>
    ['Time,Aggregate,Kettle,Dishwasher']
      .concat(
        Array.from({ length: minutes }, (_, i) => {
          const t = new Date(Date.UTC(2014, 0, 1, startHour, i));
          return `${t.toISOString().slice(0, 19).replace('T', ' ')},${w},0,${i % 2}`;
        }),
      )
      .join('\n');

  it('parses columns and concatenates months in time order without overlap', () => {
    const a = parseHouseholdCsv(csv(1, 60, 200), 'a');
    const b = parseHouseholdCsv(csv(0, 90, 100), 'b');
    const s = concatHouseholdSeries([a, b]);
    expect(s.applianceNames).toEqual(['Kettle', 'Dishwasher']);
    expect(s.timeMs.length).toBe(120);
    expect(s.timeMs[0]).toBe(Date.UTC(2014, 0, 1, 0, 0));
    expect(s.aggregateW[89]).toBe(100);
    expect(s.aggregateW[90]).toBe(200);
  });

  it('integrates hourly energy and leaves thin hours as NaN', () => {
    const s = parseHouseholdCsv(csv(0, 100, 600));
    const { hourStartMs, energyWh } = hourlyEnergyWh(s, s.aggregateW);
    expect(Array.from(hourStartMs)).toEqual([Date.UTC(2014, 0, 1, 0), Date.UTC(2014, 0, 1, 1)]);
    expect(energyWh[0]).toBeCloseTo(600);
    expect(energyWh[1]).toBeNaN();
  });

  it('rejects a wrong header with the file name', () => {
    expect(() => parseHouseholdCsv('Date,Power\n', 'h.csv')).toThrow(/h\.csv:1: expected header "Time,Aggregate/);
  });
});
