import type { RunRequest } from '../types';

const MAX_WINDOW_MS = 7 * 24 * 3600_000;
const MAX_POWER_W = 50_000;
/** A run request's `profileW` holds one mean power per this many minutes. */
export const RUN_PROFILE_STEP_MIN = 1;

/** Problems with a run request, each naming the field; empty when it is acceptable. `now` is the workflow's clock. */
export function validateRunRequest(request: RunRequest, now: Date, existingRequestIds: Iterable<string>): string[] {
  const errors: string[] = [];
  const r = request as Partial<RunRequest>;
  const nonEmpty = (name: keyof RunRequest): void => {
    const v = r[name];
    if (typeof v !== 'string' || v.trim() === '') errors.push(`${name} must be a non-empty string`);
  };
  nonEmpty('requestId');
  nonEmpty('deviceId');
  nonEmpty('appliance');
  if (typeof r.requestId === 'string' && r.requestId.includes('/')) errors.push('requestId must not contain "/"');
  if (typeof r.durationMin !== 'number' || !Number.isFinite(r.durationMin) || r.durationMin <= 0) {
    errors.push(`durationMin must be a positive number of minutes, got ${String(r.durationMin)}`);
  }
  if (typeof r.powerW !== 'number' || !Number.isFinite(r.powerW) || r.powerW <= 0 || r.powerW > MAX_POWER_W) {
    errors.push(`powerW must be in (0, ${MAX_POWER_W}] W, got ${String(r.powerW)}`);
  }
  const readyBy = parseTime(r.readyBy);
  if (readyBy === null) errors.push(`readyBy must be an ISO-8601 time, got ${String(r.readyBy)}`);
  const earliest = r.earliestStart === undefined ? now.getTime() : parseTime(r.earliestStart);
  if (earliest === null) errors.push(`earliestStart must be an ISO-8601 time, got ${String(r.earliestStart)}`);
  if (readyBy !== null && earliest !== null && typeof r.durationMin === 'number' && errors.length === 0) {
    const start = Math.max(earliest, now.getTime());
    if (start + r.durationMin * 60_000 > readyBy) {
      errors.push(
        `readyBy ${new Date(readyBy).toISOString()} is too early: a ${r.durationMin} min run starting at ` +
          `${new Date(start).toISOString()} ends at ${new Date(start + r.durationMin * 60_000).toISOString()}`,
      );
    }
    if (readyBy - start > MAX_WINDOW_MS) errors.push('readyBy must be within 7 days');
  }
  if (r.profileW !== undefined) errors.push(...profileErrors(r.profileW, r.durationMin));
  if (typeof r.requestId === 'string' && [...existingRequestIds].includes(r.requestId)) {
    errors.push(`requestId ${r.requestId} was already used in this home`);
  }
  return errors;
}

function parseTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** Problems with a request's power profile: one value per minute of the run, each a power in [0, 50000] W. */
function profileErrors(profileW: unknown, durationMin: unknown): string[] {
  if (!Array.isArray(profileW)) return [`profileW must be an array of powers (W), got ${typeof profileW}`];
  const errors: string[] = [];
  if (typeof durationMin === 'number' && Number.isFinite(durationMin) && durationMin > 0) {
    const expected = Math.ceil(durationMin / RUN_PROFILE_STEP_MIN);
    if (profileW.length !== expected) {
      errors.push(
        `profileW must have one value per minute of the ${durationMin} min run (${expected}), got ${profileW.length}`,
      );
    }
  }
  const bad = profileW.findIndex((p) => typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > MAX_POWER_W);
  if (bad >= 0) errors.push(`profileW[${bad}] must be in [0, ${MAX_POWER_W}] W, got ${String(profileW[bad])}`);
  return errors;
}
