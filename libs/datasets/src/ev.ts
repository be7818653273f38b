/** One real EV charging session (Caltech ACN-Data), times in UTC milliseconds. */
export interface EvSession {
  sessionId: string;
  connectionMs: number;
  disconnectMs: number;
  /** Energy actually delivered, kWh. */
  energyDeliveredKWh: number;
  /** The driver's request at plug-in (latest user input), when given. */
  energyRequestedKWh: number | null;
  requestedDepartureMs: number | null;
  timezone: string;
}

interface RawUserInput {
  kWhRequested?: unknown;
  requestedDeparture?: unknown;
  modifiedAt?: unknown;
}
interface RawSession {
  sessionID?: unknown;
  connectionTime?: unknown;
  disconnectTime?: unknown;
  kWhDelivered?: unknown;
  timezone?: unknown;
  userInputs?: unknown;
}

function httpDate(raw: unknown, what: string, sessionId: string): number {
  const ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`ACN session ${sessionId}: ${what} is not a date: ${JSON.stringify(raw)}`);
  return ms;
}

/** Parses the ACN-Data API export `{"_items":[…]}`. The first user input (at plug-in) is the request. */
export function parseAcnSessions(json: string, source = 'acn.json'): EvSession[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`${source}: not JSON`, { cause: err });
  }
  const items = (doc as { _items?: unknown })._items;
  if (!Array.isArray(items)) throw new Error(`${source}: expected an object with an "_items" array`);
  return (items as RawSession[]).map((s, i) => {
    const sessionId = typeof s.sessionID === 'string' ? s.sessionID : `#${i}`;
    const inputs = Array.isArray(s.userInputs) ? (s.userInputs as RawUserInput[]) : [];
    const first = inputs[0];
    const energyRequested = typeof first?.kWhRequested === 'number' ? first.kWhRequested : null;
    const delivered = typeof s.kWhDelivered === 'number' ? s.kWhDelivered : Number.NaN;
    if (!Number.isFinite(delivered)) throw new Error(`${source}: session ${sessionId}: kWhDelivered missing`);
    return {
      sessionId,
      connectionMs: httpDate(s.connectionTime, 'connectionTime', sessionId),
      disconnectMs: httpDate(s.disconnectTime, 'disconnectTime', sessionId),
      energyDeliveredKWh: delivered,
      energyRequestedKWh: energyRequested,
      requestedDepartureMs: first?.requestedDeparture
        ? httpDate(first.requestedDeparture, 'requestedDeparture', sessionId)
        : null,
      timezone: typeof s.timezone === 'string' ? s.timezone : 'UTC',
    };
  });
}
