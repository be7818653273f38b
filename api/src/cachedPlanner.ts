import type { PlanView, Planner, RunRequestInput } from './ports';

/**
 * Plan reads are cached per home for a short time (a kiosk polls; a Temporal query per poll would make the worker
 * answer every screen). A run request through this API drops the home's entry, so its caller reads its own write.
 */
export class CachedPlanner implements Planner {
  private readonly cache = new Map<string, { atMs: number; view: Promise<PlanView | null> }>();

  constructor(
    private readonly inner: Planner,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  requestRun(homeId: string, region: string, request: RunRequestInput) {
    this.cache.delete(homeId);
    return this.inner.requestRun(homeId, region, request).finally(() => this.cache.delete(homeId));
  }

  currentPlan(homeId: string): Promise<PlanView | null> {
    const now = this.nowMs();
    const hit = this.cache.get(homeId);
    if (hit && now - hit.atMs < this.ttlMs) return hit.view;
    const view = this.inner.currentPlan(homeId);
    this.cache.set(homeId, { atMs: now, view });
    // A failed read is not cached.
    view.catch(() => {
      if (this.cache.get(homeId)?.view === view) this.cache.delete(homeId);
    });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return view;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}
