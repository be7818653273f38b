import { MINUTE_MS } from '@carbonreducer/common';
import { evSlotHours, firstAllowedStartSlot, modelContext, type ModelContext } from './model';
import { LATE_TOLERANCE_MIN, type CycleRequest, type Explanation, type HomePlan, type HomeRequest } from './types';

/** "07:30", or "Sat 07:30" when the instant falls on another day than `now` (in the home's time zone). */
export function clockTime(ms: number, timeZone: string, now: number): string {
  const dayOf = (x: number) => new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short' }).format(x);
  const hm = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
  if (dayOf(ms) === dayOf(now)) return hm;
  const wd = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short' }).format(ms);
  return `${wd} ${hm}`;
}

export function durationWords(min: number): string {
  const m = Math.round(min);
  const h = Math.floor(m / 60);
  const r = m % 60;
  if (h === 0) return `${r} min`;
  return r === 0 ? `${h} h` : `${h} h ${r} min`;
}

const kW = (w: number) => `${(w / 1000).toFixed(1)} kW`;
const kWh = (wh: number) => `${(wh / 1000).toFixed(1)} kWh`;

/**
 * What gave way in a plan, in words a homeowner understands. Derived from the plan against the request (the
 * soft constraints' slack shows up there as lateness, missing energy, overload or discomfort), so it holds for
 * any plan, however it was produced.
 */
export function explain(request: HomeRequest, plan: HomePlan, now: number): Explanation[] {
  return explainIn(modelContext(request, now), plan);
}

/** `explain` in a request's context. */
export function explainIn(ctx: ModelContext, plan: HomePlan): Explanation[] {
  const { request, now } = ctx;
  const tz = request.timeZone ?? 'UTC';
  const at = (ms: number) => clockTime(ms, tz, now);
  const limitWords = request.importLimitW !== null ? ` within the ${kW(request.importLimitW)} limit` : '';
  const horizonEndMs = ctx.slotStartMs(request.slotCount);
  const out: Explanation[] = [];

  request.devices.forEach((d, i) => {
    const p = plan.devices[i];
    if (p === undefined) return;
    if (d.kind === 'cycle') {
      const durMin = d.profileW.length * request.slotMin;
      if (p.finishMs === undefined) {
        const fits = firstAllowedStartSlot(ctx, d) + d.profileW.length <= request.slotCount;
        if (d.startedMs === undefined && fits && request.importLimitW !== null && !fitsUnderFuse(ctx, d, plan)) {
          out.push({
            deviceId: d.id,
            constraint: 'not_scheduled',
            amount: durMin,
            unit: 'min',
            message: `the ${d.label} cannot run${limitWords}: at no start before ${at(horizonEndMs)} does it fit beside the base load and the other appliances`,
          });
          return;
        }
        if (d.startedMs === undefined && fits) {
          // Only a solver stopped by its time limit leaves a cycle out that fits (the penalty is prohibitive).
          out.push({
            deviceId: d.id,
            constraint: 'not_scheduled',
            amount: durMin,
            unit: 'min',
            message: `the ${d.label} was not planned: the solver stopped at its time limit before placing it`,
          });
          return;
        }
        out.push({
          deviceId: d.id,
          constraint: 'not_scheduled',
          amount: durMin,
          unit: 'min',
          message: `the ${d.label} cannot run: it takes ${durationWords(durMin)} and cannot start before ${at(Math.max(d.earliestStartMs, now))}, but the plan ends at ${at(horizonEndMs)}`,
        });
        return;
      }
      const lateMin = (p.finishMs - d.deadlineMs) / MINUTE_MS;
      if (d.startedMs === undefined && lateMin > LATE_TOLERANCE_MIN) {
        const firstStartMs = ctx.slotStartMs(firstAllowedStartSlot(ctx, d));
        const earliestFinishMs = firstStartMs + durMin * MINUTE_MS;
        const message =
          earliestFinishMs > d.deadlineMs + MINUTE_MS / 2
            ? `the ${d.label} takes ${durationWords(durMin)} and cannot start before ${at(firstStartMs)}, so it cannot finish by ${at(d.deadlineMs)}; earliest finish ${at(p.finishMs)}`
            : `the ${d.label} cannot finish by ${at(d.deadlineMs)}${limitWords}; earliest finish ${at(p.finishMs)}`;
        out.push({ deviceId: d.id, constraint: 'deadline', amount: lateMin, unit: 'min', message });
      }
    } else if (d.kind === 'ev' && d.startedByHandMs === undefined) {
      const shortWh = d.energyNeededWh - p.energyWh;
      if (shortWh > 1) {
        let maxWh = 0;
        for (let t = 0; t < request.slotCount; t++) maxWh += d.maxPowerW * evSlotHours(ctx, d, t);
        const why =
          maxWh < d.energyNeededWh - 1
            ? `: at ${kW(d.maxPowerW)} it can take at most ${kWh(maxWh)} before then`
            : limitWords;
        out.push({
          deviceId: d.id,
          constraint: 'ev_energy',
          amount: shortWh,
          unit: 'Wh',
          message: `the ${d.label} cannot get ${kWh(d.energyNeededWh)} by ${at(d.departureMs)}${why}; it will have ${kWh(p.energyWh)} (${kWh(shortWh)} short)`,
        });
      }
    } else if (d.kind === 'heat_pump' && p.indoorTempC) {
      let worstUnder = 0;
      let worstUnderT = -1;
      let worstOver = 0;
      let worstOverT = -1;
      p.indoorTempC.forEach((T, t) => {
        const under = (d.minTempC[t] as number) - T;
        const over = T - (d.maxTempC[t] as number);
        if (under > worstUnder) [worstUnder, worstUnderT] = [under, t];
        if (over > worstOver) [worstOver, worstOverT] = [over, t];
      });
      if (worstUnder > 0.05) {
        const T = p.indoorTempC[worstUnderT] as number;
        out.push({
          deviceId: d.id,
          constraint: 'comfort',
          amount: worstUnder,
          unit: 'K',
          message: `the indoor temperature will drop to ${T.toFixed(1)} °C at ${at(ctx.slotStartMs(worstUnderT + 1))}, ${worstUnder.toFixed(1)} °C below the ${(d.minTempC[worstUnderT] as number).toFixed(1)} °C you asked for: the ${d.label} (${kW(d.maxPowerW)}) cannot keep up${limitWords}`,
        });
      }
      if (worstOver > 0.05) {
        const T = p.indoorTempC[worstOverT] as number;
        out.push({
          deviceId: d.id,
          constraint: 'comfort',
          amount: worstOver,
          unit: 'K',
          message: `the indoor temperature will rise to ${T.toFixed(1)} °C at ${at(ctx.slotStartMs(worstOverT + 1))}, ${worstOver.toFixed(1)} °C above the ${(d.maxTempC[worstOverT] as number).toFixed(1)} °C you asked for, even with the ${d.label} off`,
        });
      }
    }
  });

  if (request.importLimitW !== null) {
    let worst = 0;
    let worstT = -1;
    plan.importW.forEach((w, t) => {
      const over = w - (request.importLimitW as number);
      if (over > worst) [worst, worstT] = [over, t];
    });
    if (worst > 1) {
      out.push({
        deviceId: null,
        constraint: 'import_limit',
        amount: worst,
        unit: 'W',
        message: `the home will draw ${kW(plan.importW[worstT] as number)} at ${at(ctx.slotStartMs(worstT))}, ${kW(worst)} over the ${kW(request.importLimitW)} limit: the base load and the appliances already running need that much`,
      });
    }
  }
  return out;
}

/** Whether a free cycle has a start in the horizon where it fits under the fuse on top of the plan's import. */
function fitsUnderFuse(ctx: ModelContext, d: CycleRequest, plan: HomePlan): boolean {
  const limitW = ctx.request.importLimitW;
  if (limitW === null) return true;
  const len = d.profileW.length;
  for (let s = firstAllowedStartSlot(ctx, d); s + len <= ctx.request.slotCount; s++) {
    if (d.profileW.every((w, k) => (plan.importW[s + k] ?? 0) + w <= limitW + 1e-3)) return true;
  }
  return false;
}
