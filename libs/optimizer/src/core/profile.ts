/**
 * Power-profile arithmetic shared by the model builder, the baselines and the evaluation: piecewise-constant
 * power (W) over fixed steps, placed on a time grid.
 */

/** Mean power per slot of `slotMin` from a profile sampled every `stepMin` (trailing partial slot averaged over what exists). */
export function resampleProfileW(powerW: ArrayLike<number>, stepMin: number, slotMin: number): number[] {
  if (!(stepMin > 0) || !(slotMin > 0))
    throw new Error(`resampleProfileW: steps must be positive (got ${stepMin}, ${slotMin})`);
  const totalMin = powerW.length * stepMin;
  const slots = Math.ceil(totalMin / slotMin - 1e-9);
  const out: number[] = [];
  for (let s = 0; s < slots; s++) {
    const from = s * slotMin;
    const to = (s + 1) * slotMin;
    let energyWMin = 0;
    for (let i = Math.floor(from / stepMin); i < powerW.length && i * stepMin < to; i++) {
      const a = Math.max(from, i * stepMin);
      const b = Math.min(to, (i + 1) * stepMin);
      if (b > a) energyWMin += (powerW[i] ?? 0) * (b - a);
    }
    out.push(energyWMin / slotMin);
  }
  return out;
}

/**
 * Energy (Wh) that a profile (`profileW`, one value per `stepMin`) started at `profileStartMs` puts into each
 * slot of a grid (`gridStartMs`, `gridSlotMin`, `slotCount`). Energy outside the grid is dropped.
 */
export function spreadProfileWh(
  profileW: ArrayLike<number>,
  stepMin: number,
  profileStartMs: number,
  gridStartMs: number,
  gridSlotMin: number,
  slotCount: number,
): number[] {
  const out = new Array<number>(slotCount).fill(0);
  const stepMs = stepMin * 60_000;
  const slotMs = gridSlotMin * 60_000;
  for (let i = 0; i < profileW.length; i++) {
    const p = profileW[i] ?? 0;
    if (p === 0) continue;
    const a = profileStartMs + i * stepMs;
    const b = a + stepMs;
    const first = Math.max(0, Math.floor((a - gridStartMs) / slotMs));
    const last = Math.min(slotCount - 1, Math.floor((b - 1 - gridStartMs) / slotMs));
    for (let t = first; t <= last; t++) {
      const s0 = gridStartMs + t * slotMs;
      const overlapMs = Math.min(b, s0 + slotMs) - Math.max(a, s0);
      if (overlapMs > 0) out[t] = (out[t] as number) + (p * overlapMs) / 3_600_000;
    }
  }
  return out;
}
