import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  homeScheduleStep,
  initialHomeSchedule,
  msUntilWake,
  overrideErrors,
  overrideOutcome,
  paretoErrors,
  plannableRequests,
  planView,
  replanDue,
  requestErrors,
  requestOutcome,
  type HomeScheduleEffect,
  type HomeScheduleEvent,
} from '../domain/homeSchedule';
import { ApplianceKey, HomeIdKey } from '../ids';
import type {
  DeviceCommand,
  OptimizeHomeInput,
  OverrideRunsInput,
  ParetoInput,
  ParetoResult,
  PublishedPlan,
  RunRequest,
} from '../types';
import {
  commandAckSignal,
  currentPlanQuery,
  forecastsChangedSignal,
  manualStartSignal,
  overrideRunsUpdate,
  paretoUpdate,
  requestRunUpdate,
  runsVerifiedSignal,
} from './definitions';
import { computeActivity, defaultActivity, dispatchActivity, FAILURE_TYPES } from './profiles';

type Activities = ReturnType<typeof createActivities>;
const { planHome, paretoHome } = proxyActivities<Activities>(computeActivity);
const { publishSchedule } = proxyActivities<Activities>(defaultActivity);
const { dispatchCommand } = proxyActivities<Activities>(dispatchActivity);

const DEFAULT_ACK_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX_HISTORY_EVENTS = 2000;

/**
 * One per home, long-lived (id `optimize-home/<homeId>`): plans the homeowner's requested runs against the intensity
 * forecast, publishes the schedule, sends start/stop commands at the planned times (durable timers, idempotency keys),
 * tracks acknowledgements, re-plans on new forecasts, new requests and manual starts, and continues as new to stay small.
 *
 * What happens on each event is decided by the pure state machine in `domain/homeSchedule.ts`; this function only
 * feeds it signals, updates, activity outcomes and the workflow clock, and carries out its effects.
 */
export async function optimizeHomeWorkflow(input: OptimizeHomeInput): Promise<void> {
  if (!input || typeof input.homeId !== 'string' || input.homeId === '' || input.homeId.includes('/')) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: `optimizeHomeWorkflow: homeId must be a non-empty string without "/", got ${String(input?.homeId)}`,
      nonRetryable: true,
    });
  }
  if (typeof input.region !== 'string' || input.region === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'optimizeHomeWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  const { homeId, region } = input;
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  let state = initialHomeSchedule({
    homeId,
    ackTimeoutMs: input.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
    carried: input.state,
  });

  /**
   * Applies an event at the workflow's clock and carries out the effects that need no waiting (search attributes,
   * logs); returns the activities to run. Synchronous, so the commands keep the order they had when this workflow
   * held its state in place.
   */
  function apply(event: HomeScheduleEvent): HomeScheduleEffect[] {
    const next = homeScheduleStep(state, event, new Date());
    state = next.state;
    const pending: HomeScheduleEffect[] = [];
    for (const effect of next.effects) {
      if (effect.type === 'indexAppliance') upsertSearchAttributes([{ key: ApplianceKey, value: effect.appliance }]);
      else if (effect.type === 'log') log[effect.level](effect.message, effect.fields);
      else pending.push(effect);
    }
    return pending;
  }

  if (workflowInfo().typedSearchAttributes.get(HomeIdKey) !== homeId) {
    upsertSearchAttributes([{ key: HomeIdKey, value: homeId }]);
  }

  setHandler(currentPlanQuery, () => planView(state));

  setHandler(
    requestRunUpdate,
    async (request: RunRequest) => {
      apply({ type: 'request', request });
      await condition(() => requestOutcome(state, request.requestId) !== undefined);
      const outcome = requestOutcome(state, request.requestId)!;
      if ('refused' in outcome) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.infeasible,
          message: `request ${request.requestId} cannot be planned: ${outcome.refused}`,
          nonRetryable: true,
        });
      }
      return outcome.planned;
    },
    {
      validator: (request: RunRequest) => {
        const errors = requestErrors(state, request, new Date());
        if (errors.length > 0) {
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.badInput,
            message: `invalid run request: ${errors.join('; ')}`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    overrideRunsUpdate,
    async (input: OverrideRunsInput) => {
      apply({ type: 'override', input });
      await condition(() => overrideOutcome(state, input.overrideId) !== undefined);
      const outcome = overrideOutcome(state, input.overrideId)!;
      if ('refused' in outcome) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.infeasible,
          message: `override ${input.overrideId} refused: ${outcome.refused.map((r) => r.message).join('; ')}`,
          details: outcome.refused,
          nonRetryable: true,
        });
      }
      return outcome.applied;
    },
    {
      validator: (input: OverrideRunsInput) => {
        const refusals = overrideErrors(state, input, new Date());
        if (refusals.length > 0) {
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.badInput,
            message: `override refused: ${refusals.map((r) => r.message).join('; ')}`,
            details: refusals,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    paretoUpdate,
    async (input: ParetoInput): Promise<ParetoResult> => {
      const requests = plannableRequests(state);
      const now = new Date().toISOString();
      if (requests.length === 0) {
        return {
          homeId,
          computedAt: now,
          tariff: null,
          forecastIssuedAt: null,
          forecastModelVersion: null,
          points: [],
        };
      }
      return paretoHome({ homeId, region, requests, co2PricesPerKg: input.co2PricesPerKg, now });
    },
    {
      validator: (input: ParetoInput) => {
        const errors = paretoErrors(input);
        if (errors.length > 0) {
          throw ApplicationFailure.create({
            type: FAILURE_TYPES.badInput,
            message: `invalid Pareto request: ${errors.join('; ')}`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(manualStartSignal, (start) => void apply({ type: 'manualStart', ...start }));
  setHandler(forecastsChangedSignal, (change) => void apply({ type: 'forecastsChanged', ...change }));
  setHandler(commandAckSignal, (ack) => void apply({ type: 'ack', ...ack }));
  setHandler(runsVerifiedSignal, (runs) => void apply({ type: 'runsVerified', runs }));

  async function replan(): Promise<void> {
    let effects = apply({ type: 'replan' });
    const asked = effects.find((e) => e.type === 'planHome');
    if (asked) {
      let planned: PublishedPlan;
      try {
        planned = await planHome({
          homeId,
          region,
          requests: asked.requests,
          planVersion: asked.planVersion,
          now: asked.now,
        });
      } catch (err) {
        const failure = err instanceof ActivityFailure ? err.cause : undefined;
        const refused = failure instanceof ApplicationFailure && failure.nonRetryable === true;
        apply({ type: 'planFailed', refused, reason: failure?.message ?? '', error: String(failure ?? err) });
        return;
      }
      effects = apply({ type: 'planned', plan: planned });
    }
    for (const effect of effects) {
      if (effect.type !== 'publishSchedule') continue;
      try {
        await publishSchedule(effect.plan);
      } catch (err) {
        apply({ type: 'publishFailed', planVersion: effect.plan.version, error: String(err) });
      }
    }
  }

  async function dispatchDue(): Promise<void> {
    let effects = apply({ type: 'due' });
    for (let command = toSend(effects); command; command = toSend(effects)) {
      try {
        await dispatchCommand(command);
        effects = apply({ type: 'sent', idempotencyKey: command.idempotencyKey });
      } catch (err) {
        const error = String(err instanceof ActivityFailure ? (err.cause ?? err) : err);
        effects = apply({ type: 'sendFailed', idempotencyKey: command.idempotencyKey, error });
      }
    }
  }

  for (;;) {
    if (replanDue(state, Date.now())) {
      await replan();
      continue;
    }
    await dispatchDue();
    apply({ type: 'expire' });

    const info = workflowInfo();
    if ((info.continueAsNewSuggested || info.historyLength >= maxHistoryEvents) && !state.replanNeeded) {
      await condition(allHandlersFinished);
      if (!state.replanNeeded) {
        const carried = homeScheduleStep(state, { type: 'compact' }, new Date()).state.home;
        await continueAsNew<typeof optimizeHomeWorkflow>({ ...input, state: carried });
      }
    }

    const timeoutMs = msUntilWake(state, Date.now());
    const wake = (): boolean => state.replanNeeded;
    if (timeoutMs === undefined) await condition(wake);
    else if (timeoutMs > 0) await condition(wake, timeoutMs);
  }
}

function toSend(effects: HomeScheduleEffect[]): DeviceCommand | undefined {
  for (const effect of effects) if (effect.type === 'dispatchCommand') return effect.command;
  return undefined;
}
