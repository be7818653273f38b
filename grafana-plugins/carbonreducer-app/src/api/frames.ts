import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { FRAMES, UNITS, type ApiIntensityForecast, type ApiPlan } from '@carbonreducer/grafana-shared';

/** The API's plan and forecast as the frames the data source returns (same names, fields and units), for the panel. */
export function planFrames(plan: ApiPlan | null, forecast: ApiIntensityForecast | null): DataFrame[] {
  const frames: DataFrame[] = [];
  if (forecast) {
    frames.push(
      createDataFrame({
        name: FRAMES.intensityForecast.name,
        fields: [
          { name: 'time', type: FieldType.time, values: forecast.points.map((p) => Date.parse(p.time)) },
          {
            name: 'intensity',
            type: FieldType.number,
            values: forecast.points.map((p) => p.intensityGPerKWh),
            config: { unit: UNITS.intensity },
          },
          { name: 'lower', type: FieldType.number, values: forecast.points.map((p) => p.lowerGPerKWh) },
          { name: 'upper', type: FieldType.number, values: forecast.points.map((p) => p.upperGPerKWh) },
        ],
      })
    );
  }
  if (plan) {
    const runs = plan.runs;
    frames.push(
      createDataFrame({
        name: FRAMES.planRuns.name,
        fields: [
          { name: 'requestId', type: FieldType.string, values: runs.map((r) => r.requestId) },
          { name: 'deviceId', type: FieldType.string, values: runs.map((r) => r.deviceId) },
          { name: 'appliance', type: FieldType.string, values: runs.map((r) => r.appliance) },
          { name: 'startAt', type: FieldType.time, values: runs.map((r) => Date.parse(r.startAt)) },
          { name: 'endAt', type: FieldType.time, values: runs.map((r) => Date.parse(r.endAt)) },
          { name: 'power', type: FieldType.number, values: runs.map((r) => r.powerW), config: { unit: UNITS.powerW } },
          {
            name: 'avoided',
            type: FieldType.number,
            values: runs.map((r) => r.avoidedEmissionsG / 1000),
            config: { unit: UNITS.massKg },
          },
        ],
      })
    );
  }
  return frames;
}
