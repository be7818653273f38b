import { mergeIntensitySeries, parseIntensityCsv } from './intensity';

describe('parseIntensityCsv', () => {
  it('parses NESO rows with empty fields as null, sorted and deduplicated', () => {
    const csv = [
      'from,to,forecast,actual,index',
      '2023-01-01 00:30:00+00:00,2023-01-01 01:00:00+00:00,80,,moderate',
      '2023-01-01 00:00:00+00:00,2023-01-01 00:30:00+00:00,73,72.0,low',
      '2023-01-01 00:30:00+00:00,2023-01-01 01:00:00+00:00,81,79,moderate',
    ].join('\n');
    const s = parseIntensityCsv(csv);
    expect(s.format).toBe('neso');
    expect(s.stepMin).toBe(30);
    expect(s.points).toEqual([
      {
        fromMs: Date.UTC(2023, 0, 1, 0, 0),
        toMs: Date.UTC(2023, 0, 1, 0, 30),
        forecastGPerKWh: 73,
        actualGPerKWh: 72,
        index: 'low',
      },
      {
        fromMs: Date.UTC(2023, 0, 1, 0, 30),
        toMs: Date.UTC(2023, 0, 1, 1, 0),
        forecastGPerKWh: 81,
        actualGPerKWh: 79,
        index: 'moderate',
      },
    ]);
  });

  it('parses Electricity Maps hourly direct intensity', () => {
    const csv = [
      'Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method',
      '2023-01-01 01:00:00,Great Britain,Great Britain,GB,64.93,94.42,85.67,60.28,elexon.co.uk;  nationalgrideso.com,false,',
    ].join('\n');
    const s = parseIntensityCsv(csv);
    expect(s.format).toBe('electricitymaps');
    expect(s.points[0]).toMatchObject({
      fromMs: Date.UTC(2023, 0, 1, 1),
      toMs: Date.UTC(2023, 0, 1, 2),
      actualGPerKWh: 64.93,
    });
  });

  it('names the file, line and column of bad input', () => {
    expect(() => parseIntensityCsv('a,b\n1,2', 'x.csv')).toThrow(/x\.csv:1: unknown header/);
    expect(() =>
      parseIntensityCsv(
        'from,to,forecast,actual,index\n2023-01-01 00:00:00+00:00,2023-01-01 00:30:00+00:00,7x,1,low',
        'y.csv',
      ),
    ).toThrow('y.csv:2: column forecast: not a number: "7x"');
  });

  it('refuses to merge series of different steps', () => {
    const neso = parseIntensityCsv('from,to,forecast,actual,index\n');
    expect(() => mergeIntensitySeries([neso, { ...neso, stepMin: 60 }])).toThrow(
      /cannot merge 30-minute and 60-minute/,
    );
  });
});
