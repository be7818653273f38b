import type { IntensityPoint } from './types';

/**
 * Highest carbon intensity we accept as real, gCO2/kWh. Lignite, the dirtiest fuel on any grid, emits about
 * 1,100–1,200 g/kWh; a grid average or marginal rate above 2,000 is a unit error or a corrupted answer.
 */
export const MAX_PLAUSIBLE_G_PER_KWH = 2_000;

/** Why one point of a source's answer was refused (the `reason` tag of `intensity_rejects`). */
export const REJECT_REASONS = [
  'invalid_slot',
  'not_finite',
  'negative',
  'absurd',
  'duplicate',
  'out_of_order',
  'not_ended',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface RejectedPoint {
  source: string;
  fromMs: number;
  reason: RejectReason;
  detail: string;
}

export interface ScreenResult {
  accepted: IntensityPoint[];
  rejected: RejectedPoint[];
}

/**
 * Point-by-point screening of a source's answer: each bad point is refused with a reason and the rest kept. A slot
 * that is missing (a hole) is not a point and is not refused here; the backfill fetches it when the source has it.
 * Duplicates (a slot already seen) and points older than one already seen (out of order) are refused, so what is
 * written is strictly increasing in time. With `nowMs`, actuals of slots that have not ended are refused too.
 */
export function screenPoints(points: readonly IntensityPoint[], options: { nowMs?: number } = {}): ScreenResult {
  const accepted: IntensityPoint[] = [];
  const rejected: RejectedPoint[] = [];
  const seen = new Set<number>();
  let latestFromMs = -Infinity;
  for (const p of points) {
    const refuse = (reason: RejectReason, detail: string): void => {
      rejected.push({ source: p.source, fromMs: p.fromMs, reason, detail });
    };
    const at = Number.isFinite(p.fromMs) ? new Date(p.fromMs).toISOString() : String(p.fromMs);
    if (!Number.isFinite(p.fromMs) || !Number.isFinite(p.toMs) || p.toMs <= p.fromMs) {
      refuse('invalid_slot', `slot ${at}..${p.toMs} is empty or invalid`);
    } else if (!Number.isFinite(p.intensityGPerKWh)) {
      refuse('not_finite', `${at}: intensity ${p.intensityGPerKWh}`);
    } else if (p.intensityGPerKWh < 0) {
      refuse('negative', `${at}: intensity ${p.intensityGPerKWh} gCO2/kWh`);
    } else if (p.intensityGPerKWh > MAX_PLAUSIBLE_G_PER_KWH) {
      refuse('absurd', `${at}: intensity ${p.intensityGPerKWh} gCO2/kWh > ${MAX_PLAUSIBLE_G_PER_KWH}`);
    } else if (seen.has(p.fromMs)) {
      refuse('duplicate', `${at}: a second point for the same slot`);
    } else if (p.fromMs < latestFromMs) {
      refuse('out_of_order', `${at} after ${new Date(latestFromMs).toISOString()}`);
    } else if (options.nowMs !== undefined && p.kind === 'actual' && p.toMs > options.nowMs) {
      refuse('not_ended', `${at}: the slot ends after now (${new Date(options.nowMs).toISOString()})`);
    } else {
      seen.add(p.fromMs);
      latestFromMs = p.fromMs;
      accepted.push(p);
    }
  }
  return { accepted, rejected };
}

/** Counts by reason (every reason present, zeros included), for summaries and the `intensity_rejects` measurement. */
export function countRejects(rejected: readonly RejectedPoint[]): Record<RejectReason, number> {
  const counts = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  for (const r of rejected) counts[r.reason] += 1;
  return counts;
}

/**
 * The slots of [fromMs, toMs) on the `stepMs` grid that have no point, as ranges [fromMs, toMs) of consecutive
 * missing slots, oldest first.
 */
export function missingRanges(
  presentFromMs: Iterable<number>,
  fromMs: number,
  toMs: number,
  stepMs: number,
): { fromMs: number; toMs: number }[] {
  const present = new Set(presentFromMs);
  const out: { fromMs: number; toMs: number }[] = [];
  const start = Math.ceil(fromMs / stepMs) * stepMs;
  for (let t = start; t + stepMs <= toMs; t += stepMs) {
    if (present.has(t)) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.toMs === t) last.toMs = t + stepMs;
    else out.push({ fromMs: t, toMs: t + stepMs });
  }
  return out;
}

/** Splits ranges into chunks of at most `maxChunkMs` (a request each), oldest first. */
export function chunkRanges(
  ranges: readonly { fromMs: number; toMs: number }[],
  maxChunkMs: number,
): { fromMs: number; toMs: number }[] {
  if (!(maxChunkMs > 0)) throw new RangeError(`chunkRanges: maxChunkMs must be > 0, got ${maxChunkMs}`);
  const out: { fromMs: number; toMs: number }[] = [];
  for (const r of ranges) {
    for (let t = r.fromMs; t < r.toMs; t += maxChunkMs) out.push({ fromMs: t, toMs: Math.min(r.toMs, t + maxChunkMs) });
  }
  return out;
}
