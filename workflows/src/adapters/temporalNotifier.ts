import type { Logger } from '@carbonreducer/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIds } from '../ids';
import type { HomeNotifier } from '../ports';
import type { ForecastsChanged, RunVerification } from '../types';
import { forecastsChangedSignal, runsVerifiedSignal } from '../workflows/definitions';

/** Signals homes' optimizers through the Temporal client, a few at a time (each signal is one RPC). */
export class TemporalHomeNotifier implements HomeNotifier {
  constructor(
    private readonly client: Client,
    private readonly logger: Logger,
    private readonly concurrency = 16,
  ) {}

  async forecastsChanged(homeIds: string[], change: ForecastsChanged): Promise<string[]> {
    const notified: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < homeIds.length) {
        const homeId = homeIds[next++] as string;
        try {
          await this.client.workflow.getHandle(workflowIds.optimizeHome(homeId)).signal(forecastsChangedSignal, change);
          notified.push(homeId);
        } catch (err) {
          // No optimizer for this home (no request yet, or it finished): nothing to re-plan.
          if (err instanceof WorkflowNotFoundError) continue;
          throw new Error(`signalling new forecasts to home ${homeId} failed`, { cause: err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, homeIds.length) }, worker));
    this.logger.debug('homes notified of new forecasts', { homes: homeIds.length, notified: notified.length });
    return notified.sort();
  }

  async runsVerified(homeId: string, runs: RunVerification[]): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(workflowIds.optimizeHome(homeId)).signal(runsVerifiedSignal, runs);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw new Error(`signalling verified runs to home ${homeId} failed`, { cause: err });
    }
  }
}
