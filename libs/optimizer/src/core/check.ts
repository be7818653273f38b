import { evSlotHours, firstAllowedStartSlot, fixedLoadW, fixedStartSlot, forcedEvWh, modelContext } from './model';
import type { CycleRequest, HomePlan, HomeRequest } from './types';

export interface Violation {
  deviceId: string | null;
  rule: string;
  detail: string;
}

const TOL_W = 1e-3;

/**
 * Independent check of a plan against every hard rule of the request (physics, the homeowner's fixed facts and
 * the main fuse), written apart from the model builder so tests and benchmarks can catch modelling mistakes.
 * Soft wishes (deadlines, EV energy, comfort) are not violations; `explain` reports them. The import limit is
 * hard: a plan may draw more only where the loads it cannot move (base load, running cycles, hand-started
 * charging) already do, and then no more than they do.
 */
export function checkPlan(request: HomeRequest, plan: HomePlan, now: number): Violation[] {
  const ctx = modelContext(request, now);
  const n = request.slotCount;
  const out: Violation[] = [];
  const v = (deviceId: string | null, rule: string, detail: string) => out.push({ deviceId, rule, detail });
  const total = request.baseLoadW.slice(0, n);
  // The most the home may draw per slot: the fuse, or what the loads the plan cannot move draw when that is more.
  const limitW = request.importLimitW;
  const allowedW = limitW === null ? null : fixedLoadW(ctx).map((w) => Math.max(limitW, w));
  /** The planned import per slot (base load and every device), filled as the devices are checked. */
  const importOf = (t: number) => total[t] as number;
  /** Free cycles left out although they fit in the horizon: allowed only when no start fits under the fuse. */
  const unscheduled: CycleRequest[] = [];

  request.devices.forEach((d, i) => {
    const p = plan.devices[i];
    if (p === undefined || p.id !== d.id) {
      v(d.id, 'plan', 'device missing from plan');
      return;
    }
    if (p.powerW.length !== n) v(d.id, 'plan', `powerW has ${p.powerW.length} slots, expected ${n}`);
    p.powerW.forEach((w, t) => (total[t] = (total[t] as number) + w));
    switch (d.kind) {
      case 'cycle': {
        const len = d.profileW.length;
        if (p.startsMs.length === 0) {
          // Unscheduled is allowed only when no start fits inside the horizon, or none fits under the fuse beside
          // everything else the plan runs (checked once all devices are summed, below).
          if (d.startedMs !== undefined) v(d.id, 'cycle.unscheduled', 'a running cycle was left out');
          else if (firstAllowedStartSlot(ctx, d) <= n - len) unscheduled.push(d);
          if (p.powerW.some((w) => Math.abs(w) > TOL_W)) v(d.id, 'cycle.power', 'power without a start');
          return;
        }
        if (p.startsMs.length !== 1) v(d.id, 'cycle.one_start', `${p.startsMs.length} starts`);
        const s = Math.round(((p.startsMs[0] as number) - request.startMs) / ctx.slotMs);
        if (ctx.slotStartMs(s) !== p.startsMs[0]) v(d.id, 'cycle.slot', 'start is not on a slot boundary');
        if (d.startedMs !== undefined) {
          if (s !== fixedStartSlot(ctx, d.startedMs))
            v(d.id, 'cycle.fixed', 'a running or hand-started cycle was moved');
        } else {
          if (ctx.slotStartMs(s) < Math.max(d.earliestStartMs, now)) v(d.id, 'cycle.earliest', 'starts before it may');
          if (s + len > n) v(d.id, 'cycle.horizon', 'runs past the horizon');
        }
        for (let t = 0; t < n; t++) {
          const expected = t >= s && t < s + len ? (d.profileW[t - s] as number) : 0;
          if (Math.abs((p.powerW[t] ?? 0) - expected) > TOL_W) {
            v(
              d.id,
              'cycle.profile',
              `slot ${t}: ${p.powerW[t]} W, profile says ${expected} W (interrupted or reshaped)`,
            );
            break;
          }
        }
        return;
      }
      case 'ev': {
        const forced = d.startedByHandMs === undefined ? null : forcedEvWh(ctx, d, d.startedByHandMs);
        const semi = d.onOff && d.minPowerW > 0;
        p.powerW.forEach((w, t) => {
          const wh = w * ctx.slotH;
          if (forced) {
            if (Math.abs(wh - (forced[t] as number)) > 1e-3)
              v(d.id, 'ev.by_hand', `slot ${t}: hand-started charging not honoured`);
            return;
          }
          const hours = evSlotHours(ctx, d, t);
          if (wh < -1e-6) v(d.id, 'ev.negative', `slot ${t}`);
          if (wh > d.maxPowerW * hours + 1e-3)
            v(d.id, 'ev.max_power', `slot ${t}: ${wh} Wh > ${d.maxPowerW * hours} Wh`);
          if (semi && wh > 1e-3 && wh < d.minPowerW * hours - 1e-3)
            v(d.id, 'ev.min_power', `slot ${t}: ${wh} Wh below minimum`);
        });
        if (!forced && p.energyWh > d.energyNeededWh + 1e-3) v(d.id, 'ev.energy', 'charged more than requested');
        return;
      }
      case 'battery': {
        const eta = Math.sqrt(d.roundTripEfficiency);
        const soc = p.socWh ?? [];
        let prev = d.socWh;
        p.powerW.forEach((w, t) => {
          if (w > d.maxChargeW + TOL_W) v(d.id, 'battery.charge', `slot ${t}: ${w} W`);
          if (-w > d.maxDischargeW + TOL_W) v(d.id, 'battery.discharge', `slot ${t}: ${-w} W`);
          const s = soc[t] ?? Number.NaN;
          // With one net power per slot, simultaneous charge and discharge would break this balance.
          const expected = prev + (w > 0 ? eta * w * ctx.slotH : (w * ctx.slotH) / eta);
          if (!(Math.abs(s - expected) < 1e-2 + 1e-6 * d.capacityWh)) {
            v(
              d.id,
              'battery.balance',
              `slot ${t}: soc ${s} Wh, expected ${expected} Wh (simultaneous charge and discharge?)`,
            );
          }
          if (s < d.minSocWh - 1e-3 || s > d.maxSocWh + 1e-3)
            v(d.id, 'battery.soc', `slot ${t}: ${s} Wh out of bounds`);
          prev = s;
        });
        if (prev < (d.endSocWh ?? d.socWh) - 1e-3) v(d.id, 'battery.end_soc', `ends at ${prev} Wh`);
        return;
      }
      case 'heat_pump': {
        const a = ctx.slotH / (d.heatCapacityWhPerK * d.thermalResistanceKPerW);
        const b = (ctx.slotH * d.cop) / d.heatCapacityWhPerK;
        let T = d.indoorTempC;
        p.powerW.forEach((w, t) => {
          if (w < -TOL_W || w > d.maxPowerW + TOL_W) v(d.id, 'heat_pump.power', `slot ${t}: ${w} W`);
          T = (1 - a) * T + a * (d.outdoorTempC[t] as number) + b * w;
          const planned = p.indoorTempC?.[t] ?? Number.NaN;
          if (!(Math.abs(planned - T) < 1e-3))
            v(d.id, 'heat_pump.dynamics', `slot ${t}: ${planned} °C, model gives ${T} °C`);
        });
        return;
      }
    }
  });

  const hasBattery = request.devices.some((d) => d.kind === 'battery');
  total.forEach((w, t) => {
    if (hasBattery && w < -TOL_W) v(null, 'no_export', `slot ${t}: exports ${-w} W`);
    if (Math.abs(w - (plan.importW[t] ?? Number.NaN)) > 1e-2) v(null, 'import', `slot ${t}: importW does not add up`);
    const allowed = allowedW?.[t];
    if (allowed !== undefined && w > allowed + TOL_W) {
      v(null, 'import_limit', `slot ${t}: draws ${w} W, over the ${limitW} W limit (${allowed} W allowed)`);
    }
  });
  for (const d of unscheduled) {
    const len = d.profileW.length;
    for (let s = firstAllowedStartSlot(ctx, d); s <= n - len; s++) {
      const fits = d.profileW.every(
        (w, k) => allowedW === null || importOf(s + k) + w <= (allowedW[s + k] as number) + TOL_W,
      );
      if (fits) {
        v(d.id, 'cycle.unscheduled', `a start fits in the horizon (slot ${s}) but none was planned`);
        break;
      }
    }
  }
  return out;
}
