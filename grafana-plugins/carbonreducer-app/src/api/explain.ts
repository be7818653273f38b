import type { ApiIntensityForecast, ApiPlannedRun } from '@carbonreducer/grafana-shared';

export interface RunExplanation {
  requestId: string;
  /** Mean forecast intensity while the run is planned (g/kWh), null without forecast points in it. */
  meanIntensityGPerKWh: number | null;
  avoidedKg: number;
  /** Share of the run-at-request emissions the plan avoids (0-1). */
  avoidedShare: number;
  words: string;
}

function meanOver(points: ApiIntensityForecast['points'], startMs: number, endMs: number): number | null {
  const inside = points.filter((p) => {
    const t = Date.parse(p.time);
    return t >= startMs && t < endMs;
  });
  if (inside.length === 0) return null;
  return inside.reduce((s, p) => s + p.intensityGPerKWh, 0) / inside.length;
}

const hhmm = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(ms));

/**
 * Why a run sits where the plan put it, in words, from what the API says: the run's emissions against running at
 * request (the baseline) and the forecast's intensity during the run against the cleanest window of the same length.
 * A run the homeowner pinned is held by the pin, so a cleaner window outside it is named as outside the pin.
 */
export function explainRun(
  run: ApiPlannedRun,
  forecast: ApiIntensityForecast | null,
  nowMs: number,
  timeZone = 'UTC',
  pin?: { from: string; to: string }
): RunExplanation {
  const startMs = Date.parse(run.startAt);
  const endMs = Date.parse(run.endAt);
  const avoidedKg = run.avoidedEmissionsG / 1000;
  const avoidedShare = run.baselineEmissionsG > 0 ? run.avoidedEmissionsG / run.baselineEmissionsG : 0;
  const parts: string[] = [`Runs ${hhmm(startMs, timeZone)}–${hhmm(endMs, timeZone)}`];
  const mean = forecast ? meanOver(forecast.points, startMs, endMs) : null;
  if (forecast && mean !== null) {
    const lengthMs = endMs - startMs;
    let best: { startMs: number; mean: number } | null = null;
    for (const p of forecast.points) {
      const s = Date.parse(p.time);
      if (
        s < nowMs ||
        s + lengthMs > Date.parse(forecast.points[forecast.points.length - 1]?.time ?? p.time) + 1_800_000
      )
        continue;
      const m = meanOver(forecast.points, s, s + lengthMs);
      if (m !== null && (best === null || m < best.mean)) best = { startMs: s, mean: m };
    }
    parts.push(` at ${Math.round(mean)} gCO2/kWh forecast`);
    const cleanest = best && `the cleanest window (${hhmm(best.startMs, timeZone)}, ${Math.round(best.mean)} gCO2/kWh)`;
    if (best && best.mean < mean - 1 && pin) {
      const [pinFrom, pinTo] = [Date.parse(pin.from), Date.parse(pin.to)];
      parts.push(`; ${cleanest} is outside your pin (${hhmm(pinFrom, timeZone)}–${hhmm(pinTo, timeZone)})`);
    } else if (best && best.mean < mean - 1) {
      parts.push(`; ${cleanest} is outside what its deadline, earliest start or the fuse allow`);
    } else {
      parts.push('; this is the cleanest window the forecast shows for it');
    }
  }
  if (run.avoidedEmissionsG > 0) {
    parts.push(
      `. Avoids ${avoidedKg.toFixed(2)} kg CO2 (${Math.round(avoidedShare * 100)} %) against running when requested.`
    );
  } else {
    parts.push('. Running when requested is as clean as any later start.');
  }
  return { requestId: run.requestId, meanIntensityGPerKWh: mean, avoidedKg, avoidedShare, words: parts.join('') };
}
