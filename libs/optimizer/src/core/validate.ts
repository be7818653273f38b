import type { HomeRequest } from './types';

/** A request the scheduler cannot accept; the message names the field. Not worth retrying. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InvalidRequestError(message);
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function perSlot(arr: unknown, n: number, what: string): void {
  check(Array.isArray(arr), `${what}: expected an array of ${n} numbers`);
  const a = arr as unknown[];
  check(a.length >= n, `${what}: has ${a.length} values, needs one per slot (${n})`);
  for (let t = 0; t < n; t++) check(finite(a[t]), `${what}[${t}]: not a finite number: ${JSON.stringify(a[t])}`);
}

export function validateRequest(r: HomeRequest, now: number): void {
  check(finite(now), `now: not a finite epoch-ms number: ${JSON.stringify(now)}`);
  check([15, 30, 60].includes(r.slotMin), `slotMin: must be 15, 30 or 60, got ${JSON.stringify(r.slotMin)}`);
  check(Number.isInteger(r.slotCount) && r.slotCount >= 1 && r.slotCount <= 400, `slotCount: must be an integer 1–400`);
  check(finite(r.startMs), 'startMs: not a finite epoch-ms number');
  const slotMs = r.slotMin * 60_000;
  check(
    now >= r.startMs && now < r.startMs + slotMs,
    `now (${new Date(now).toISOString()}) must lie in the first slot starting ${new Date(r.startMs).toISOString()}`,
  );
  perSlot(r.intensityGPerKWh, r.slotCount, 'intensityGPerKWh');
  perSlot(r.pricePerKWh, r.slotCount, 'pricePerKWh');
  perSlot(r.baseLoadW, r.slotCount, 'baseLoadW');
  check(finite(r.co2PricePerKg) && r.co2PricePerKg >= 0, 'co2PricePerKg: must be a number ≥ 0');
  check(r.importLimitW === null || (finite(r.importLimitW) && r.importLimitW > 0), 'importLimitW: must be > 0 or null');
  check(Array.isArray(r.devices), 'devices: expected an array');
  const ids = new Set<string>();
  r.devices.forEach((d, i) => {
    const at = `devices[${i}] (${JSON.stringify(d.id)})`;
    check(typeof d.id === 'string' && d.id !== '', `devices[${i}].id: must be a non-empty string`);
    check(!ids.has(d.id), `${at}: duplicate id`);
    ids.add(d.id);
    check(
      d.co2PricePerKg === undefined || (finite(d.co2PricePerKg) && d.co2PricePerKg >= 0),
      `${at}.co2PricePerKg: must be ≥ 0`,
    );
    switch (d.kind) {
      case 'cycle':
        check(Array.isArray(d.profileW) && d.profileW.length > 0, `${at}.profileW: needs at least one slot`);
        d.profileW.forEach((p, k) => check(finite(p) && p >= 0, `${at}.profileW[${k}]: must be a power ≥ 0 W`));
        check(
          finite(d.earliestStartMs) && finite(d.deadlineMs),
          `${at}: earliestStartMs and deadlineMs must be epoch ms`,
        );
        check(d.startedMs === undefined || finite(d.startedMs), `${at}.startedMs: must be epoch ms`);
        check(
          d.startedMs === undefined || d.startedMs <= now,
          `${at}.startedMs: a started cycle cannot start in the future`,
        );
        break;
      case 'ev':
        check(
          finite(d.availableFromMs) && finite(d.departureMs),
          `${at}: availableFromMs and departureMs must be epoch ms`,
        );
        check(finite(d.energyNeededWh) && d.energyNeededWh >= 0, `${at}.energyNeededWh: must be ≥ 0`);
        check(finite(d.maxPowerW) && d.maxPowerW > 0, `${at}.maxPowerW: must be > 0`);
        check(
          finite(d.minPowerW) && d.minPowerW >= 0 && d.minPowerW <= d.maxPowerW,
          `${at}.minPowerW: must be 0–maxPowerW`,
        );
        break;
      case 'battery':
        check(d.roundTripEfficiency > 0 && d.roundTripEfficiency <= 1, `${at}.roundTripEfficiency: must be in (0, 1]`);
        check(
          d.minSocWh >= 0 && d.minSocWh <= d.maxSocWh && d.maxSocWh <= d.capacityWh,
          `${at}: need 0 ≤ minSocWh ≤ maxSocWh ≤ capacityWh`,
        );
        check(
          d.socWh >= d.minSocWh - 1e-6 && d.socWh <= d.maxSocWh + 1e-6,
          `${at}.socWh: outside [minSocWh, maxSocWh]`,
        );
        check(d.maxChargeW >= 0 && d.maxDischargeW >= 0, `${at}: charge/discharge limits must be ≥ 0`);
        check(
          d.endSocWh === undefined || (d.endSocWh >= d.minSocWh && d.endSocWh <= d.maxSocWh),
          `${at}.endSocWh: outside [minSocWh, maxSocWh]`,
        );
        check(
          (d.endSocWh ?? d.socWh) <=
            d.socWh + Math.sqrt(d.roundTripEfficiency) * d.maxChargeW * ((r.slotCount * r.slotMin) / 60) + 1e-6,
          `${at}.endSocWh: cannot be reached by charging at maxChargeW over the horizon`,
        );
        break;
      case 'heat_pump':
        check(d.maxPowerW > 0 && d.cop > 0, `${at}: maxPowerW and cop must be > 0`);
        check(
          d.heatCapacityWhPerK > 0 && d.thermalResistanceKPerW > 0,
          `${at}: heat capacity and thermal resistance must be > 0`,
        );
        check(finite(d.indoorTempC), `${at}.indoorTempC: must be a number`);
        perSlot(d.outdoorTempC, r.slotCount, `${at}.outdoorTempC`);
        perSlot(d.minTempC, r.slotCount, `${at}.minTempC`);
        perSlot(d.maxTempC, r.slotCount, `${at}.maxTempC`);
        break;
      default:
        throw new InvalidRequestError(
          `${at}.kind: unknown device kind ${JSON.stringify((d as { kind?: unknown }).kind)}`,
        );
    }
  });
}
