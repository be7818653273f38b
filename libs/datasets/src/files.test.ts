import {
  readAcnSessionsFile,
  readApplianceTrace,
  readHouseholdFiles,
  readIntensityFiles,
  sharedDataPath,
} from './files';

// Reads the real shared data: these are the formats every other package relies on.
describe('shared data readers', () => {
  it('reads the NESO half-hourly file with operator forecasts', async () => {
    const s = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
    expect(s.stepMin).toBe(30);
    expect(s.points.length).toBeGreaterThan(8000);
    expect(s.points.filter((p) => p.forecastGPerKWh !== null).length).toBeGreaterThan(8000);
  });

  it('reads a gzipped household month at 1-minute resolution', async () => {
    const s = await readHouseholdFiles([sharedDataPath('households/refit-house2-2014-01.csv.gz')]);
    expect(s.applianceNames).toEqual(['Kettle', 'Dishwasher', 'WashingMachine', 'Microwave']);
    expect(s.timeMs.length).toBeGreaterThan(40_000);
    expect((s.timeMs[1] as number) - (s.timeMs[0] as number)).toBe(60_000);
  });

  it('reads EV sessions and appliance traces', async () => {
    const sessions = await readAcnSessionsFile(sharedDataPath('ev/acn-jpl-sessions-2021-05-to-07.json'));
    expect(sessions.length).toBe(1221);
    expect(sessions.every((s) => s.disconnectMs > s.connectionMs)).toBe(true);
    const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
    expect(trace.appliance).toBe('Dishwasher');
    expect(Math.max(...trace.powerW)).toBeGreaterThan(1000);
  });

  it('names the missing file', async () => {
    await expect(readIntensityFiles(['/nonexistent/x.csv'])).rejects.toThrow('cannot read /nonexistent/x.csv');
  });
});
