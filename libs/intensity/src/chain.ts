import { errorMessage, silentLogger, type Logger } from '@carbonreducer/common';
import { IntensitySourceError, NoDataError, SourceHttpError, SourceNetworkError } from './errors';
import { countRejects, screenPoints, type RejectedPoint } from './screen';
import type { ActualsRequest, CarbonIntensitySource, ForecastRequest, IntensityPoint } from './types';

export interface SkippedSource {
  source: string;
  kind: 'actual' | 'forecast';
  reason: string;
  /** Asking again later may help (timeouts, 429, 5xx, open circuit); false for refusals and bad answers. */
  transient: boolean;
}

/**
 * Whether a source's failure may go away by itself. Network trouble, 429 and 5xx do; an unsupported region, a 4xx,
 * a malformed answer or no data for the period do not (they need a fix or another source).
 */
export function isTransientSourceError(err: unknown): boolean {
  if (err instanceof SourceNetworkError) return true;
  if (err instanceof SourceHttpError) return err.status === 429 || err.status >= 500;
  if (err instanceof IntensitySourceError) return false;
  // Anything unexpected (a bug, a file read error) is left to the caller's retry policy.
  return true;
}

export interface ChainResult {
  /** Name of the source that answered. */
  source: string;
  points: IntensityPoint[];
  /** Points of its answer refused one by one (holes are not points: the backfill asks for them again). */
  rejected: RejectedPoint[];
  /** Sources tried before it (or passed over by their circuit breaker), in order, with why. */
  skipped: SkippedSource[];
}

/** All sources failed; `skipped` says why each one did. */
export class AllSourcesFailedError extends Error {
  constructor(
    readonly kind: 'actual' | 'forecast',
    readonly skipped: SkippedSource[],
  ) {
    super(
      `no carbon-intensity source answered for ${kind === 'actual' ? 'actuals' : 'the forecast'}: ` +
        (skipped.length === 0 ? 'no sources configured' : skipped.map((s) => `${s.source} (${s.reason})`).join('; ')),
    );
    this.name = 'AllSourcesFailedError';
  }

  /** True when at least one source failed for a reason that may pass: worth retrying the whole chain later. */
  get transient(): boolean {
    return this.skipped.some((s) => s.transient);
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker passes the source over, ms; then one attempt is let through. */
  cooldownMs: number;
}

interface BreakerState {
  consecutiveFailures: number;
  openUntilMs: number;
}

export interface FallbackChainOptions {
  logger?: Logger;
  /** Optional per-source circuit breaker; without it every source is tried every time. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Wall clock for the breaker, ms. */
  nowMs?: () => number;
}

/**
 * Ordered carbon-intensity sources: the first that answers with valid, non-empty data wins. Actuals and forecasts
 * fall back independently (a file of actuals only can answer actuals while the forecast comes from elsewhere).
 * Points are checked again here (finite, non-negative, from < to, the kind asked for) so that no source's bug can
 * write NaN or a mislabelled point.
 */
export class FallbackChain {
  private readonly logger: Logger;
  private readonly breakers = new Map<string, BreakerState>();
  private readonly nowMs: () => number;

  constructor(
    readonly sources: readonly CarbonIntensitySource[],
    private readonly options: FallbackChainOptions = {},
  ) {
    const names = new Set<string>();
    for (const s of sources) {
      if (names.has(s.name)) throw new Error(`FallbackChain: source ${s.name} is listed twice`);
      names.add(s.name);
    }
    this.logger = options.logger ?? silentLogger;
    this.nowMs = options.nowMs ?? (() => Date.now());
  }

  fetchActuals(request: ActualsRequest): Promise<ChainResult> {
    return this.run('actual', (s) => s.fetchActuals(request));
  }

  fetchForecast(request: ForecastRequest): Promise<ChainResult> {
    return this.run('forecast', (s) => s.fetchForecast(request));
  }

  private async run(
    kind: 'actual' | 'forecast',
    call: (source: CarbonIntensitySource) => Promise<IntensityPoint[]>,
  ): Promise<ChainResult> {
    const skipped: SkippedSource[] = [];
    for (const source of this.sources) {
      const breaker = this.breakers.get(source.name);
      const now = this.nowMs();
      if (breaker && breaker.openUntilMs > now) {
        skipped.push({
          source: source.name,
          kind,
          transient: true,
          reason: `circuit open after ${breaker.consecutiveFailures} consecutive failures, retry after ${new Date(breaker.openUntilMs).toISOString()}`,
        });
        continue;
      }
      try {
        const { accepted, rejected } = checkPoints(source.name, kind, await call(source));
        if (rejected.length > 0) {
          this.logger.warn('carbon-intensity points refused', { source: source.name, kind, ...countRejects(rejected) });
        }
        this.recordSuccess(source.name);
        return { source: source.name, points: accepted, rejected, skipped };
      } catch (err) {
        const reason = errorMessage(err);
        const transient = isTransientSourceError(err);
        skipped.push({ source: source.name, kind, reason, transient });
        // Only failures that say the source is unwell open its breaker: "no data for this period" (a hole in a file)
        // says nothing about the next request.
        if (transient) this.recordFailure(source.name);
        this.logger.warn('carbon-intensity source skipped', { source: source.name, kind, err });
      }
    }
    throw new AllSourcesFailedError(kind, skipped);
  }

  private recordSuccess(name: string): void {
    this.breakers.delete(name);
  }

  private recordFailure(name: string): void {
    const cb = this.options.circuitBreaker;
    if (!cb) return;
    const state = this.breakers.get(name) ?? { consecutiveFailures: 0, openUntilMs: 0 };
    state.consecutiveFailures += 1;
    if (state.consecutiveFailures >= cb.failureThreshold) state.openUntilMs = this.nowMs() + cb.cooldownMs;
    this.breakers.set(name, state);
  }
}

/**
 * A point labelled with the wrong kind or source is a bug of the source: the whole answer is refused (the next source
 * is asked). Bad values (NaN, negative, absurd, duplicate or out-of-order slots) are refused point by point; an
 * answer with nothing left is refused whole, naming why.
 */
function checkPoints(
  source: string,
  kind: 'actual' | 'forecast',
  points: IntensityPoint[],
): { accepted: IntensityPoint[]; rejected: RejectedPoint[] } {
  if (points.length === 0) throw new NoDataError(source, `answered with no ${kind} points for the requested period`);
  points.forEach((p, i) => {
    const bad = (what: string): never => {
      throw new IntensitySourceError(source, `point ${i} (${new Date(p.fromMs).toISOString()}) ${what}`);
    };
    if (p.kind !== kind) bad(`is a ${p.kind}, expected ${kind}`);
    if (p.source !== source) bad(`is labelled ${p.source}`);
    if (kind === 'actual' && p.issuedAtMs !== null) bad('is an actual with an issue time');
  });
  const screened = screenPoints(points);
  if (screened.accepted.length === 0) {
    const first = screened.rejected[0];
    throw new IntensitySourceError(
      source,
      `every one of ${points.length} ${kind} points was refused (${first?.reason}: ${first?.detail})`,
    );
  }
  return screened;
}
