import { TASK_QUEUES } from '@carbonreducer/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { createActivities } from '../activities';
import { workflowIds } from '../ids';
import { fakePlan } from '../testing/fakePlans';
import { waitFor } from '../testing/waitFor';
import { useTimeSkippingEnv, withWorkers } from '../testing/temporalTestEnv';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DeviceCommand, PublishedPlan, PlanHomeInput, RunRequest } from '../types';
import {
  commandAckSignal,
  currentPlanQuery,
  forecastsChangedSignal,
  manualStartSignal,
  overrideRunsUpdate,
  requestRunUpdate,
} from './definitions';
import { optimizeHomeWorkflow } from './optimizeHome';

jest.setTimeout(90_000);

type Activities = ReturnType<typeof createActivities>;
const MIN = 60_000;
const HOUR = 60 * MIN;

/** A fresh test server per test (see useTimeSkippingEnv). */
const env = useTimeSkippingEnv('test');

/**
 * Fake planner and dispatcher: each run starts `offsetMin` after its earliest start (changeable between plans, like
 * a new forecast would), a run that cannot fit before readyBy is infeasible.
 */
function fakeActivities() {
  const calls = { plans: [] as PlanHomeInput[], published: [] as PublishedPlan[], dispatched: [] as DeviceCommand[] };
  const knobs = { offsetMin: 120 };
  const activities: Pick<Activities, 'planHome' | 'publishSchedule' | 'dispatchCommand'> = {
    async planHome(input) {
      calls.plans.push(input);
      const now = Date.parse(input.now);
      const startMs = (r: RunRequest) => {
        const earliest = Math.max(now, r.earliestStart ? Date.parse(r.earliestStart) : now);
        const latest = Date.parse(r.readyBy) - r.durationMin * MIN;
        if (latest < earliest) {
          throw ApplicationFailure.create({
            type: 'Infeasible',
            message: `${r.appliance} cannot finish by ${r.readyBy}`,
            nonRetryable: true,
          });
        }
        return Math.min(latest, earliest + knobs.offsetMin * MIN);
      };
      return fakePlan(input, startMs, { emissionsG: 100, baselineEmissionsG: 250 }, 'test');
    },
    async publishSchedule(plan) {
      calls.published.push(plan);
    },
    async dispatchCommand(command) {
      calls.dispatched.push(command);
      return {
        idempotencyKey: command.idempotencyKey,
        published: true,
        topic: `carbonreducer/${command.homeId}/commands/${command.deviceId}`,
      };
    },
  };
  return { activities, calls, knobs };
}

async function startHome(
  homeId: string,
  extra: { maxHistoryEvents?: number } = {},
): Promise<WorkflowHandle<typeof optimizeHomeWorkflow>> {
  const handle = await env().client.workflow.start(optimizeHomeWorkflow, {
    taskQueue: TASK_QUEUES.io,
    workflowId: workflowIds.optimizeHome(homeId),
    args: [{ homeId, region: 'GB', ackTimeoutMs: 10 * MIN, ...extra }],
  });
  return handle;
}

function dishwasher(nowMs: number, requestId = 'r1'): RunRequest {
  return {
    requestId,
    deviceId: 'dw1',
    appliance: 'dishwasher',
    durationMin: 120,
    powerW: 1000,
    readyBy: new Date(nowMs + 24 * HOUR).toISOString(),
  };
}

function testService(): NonNullable<TestWorkflowEnvironment['connection']['testService']> {
  const service = env().connection.testService;
  if (!service) throw new Error('the time-skipping environment has no test service');
  return service;
}

describe('optimizeHomeWorkflow', () => {
  it('plans a request, sends the start at the planned time exactly once, and records the ack', async () => {
    // In real time with time skipping locked: the Java test server, when unlocked (env().sleep) while the dispatch
    // activity completes, can skip past the ack timer and on to its 10-year execution timeout. The planned start is
    // 20 s ahead, so "not before the planned time" and "exactly once" are observed as they happen.
    const { activities, calls, knobs } = fakeActivities();
    knobs.offsetMin = 20 / 60;
    const dispatchedAtMs: number[] = [];
    const dispatch = activities.dispatchCommand;
    activities.dispatchCommand = async (command) => {
      dispatchedAtMs.push(await env().currentTimeMs());
      return dispatch(command);
    };
    // Held until the ack is in; the server otherwise skips whenever the workflow is idle.
    await testService().lockTimeSkipping({});
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-a');
      const now = await env().currentTimeMs();
      const result = await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now)] });
      expect(Date.parse(result.startAt) - now).toBeGreaterThanOrEqual(20_000 - 2_000);
      expect(result.avoidedEmissionsG).toBe(150);

      let view = await handle.query(currentPlanQuery);
      expect(view.commands.map((c) => [c.action, c.status])).toEqual([['start', 'pending']]);
      expect(view.expectedAvoidedEmissionsG).toBe(150);
      expect(calls.published).toHaveLength(1);
      expect(calls.dispatched).toHaveLength(0); // not yet: planned 20 s ahead

      await waitFor(
        async () => calls.dispatched.length,
        (n) => n === 1,
        'the start command',
        60_000,
      );
      expect(calls.dispatched[0]).toMatchObject({
        idempotencyKey: 'home-a/r1/start',
        action: 'start',
        deviceId: 'dw1',
      });
      expect(Date.parse(calls.dispatched[0]!.at)).toBe(Date.parse(result.startAt));
      expect(dispatchedAtMs[0]).toBeGreaterThanOrEqual(Date.parse(result.startAt));

      await handle.signal(commandAckSignal, {
        idempotencyKey: 'home-a/r1/start',
        ok: true,
        at: new Date().toISOString(),
      });
      view = await waitFor(
        () => handle.query(currentPlanQuery),
        (v) => v.commands[0]?.status === 'acked',
        'the ack',
      );
      expect(view.requests[0]?.status).toBe('dispatched');

      // Days later nothing more is sent.
      await testService().unlockTimeSkipping({});
      await env().sleep(48 * HOUR);
      expect(calls.dispatched).toHaveLength(1);
    });
  });

  it('marks a command unacknowledged when the device stays silent', async () => {
    const { activities, calls, knobs } = fakeActivities();
    knobs.offsetMin = 0;
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-silent');
      const now = await env().currentTimeMs();
      await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now)] });
      await waitFor(
        async () => calls.dispatched.length,
        (n) => n === 1,
        'the start command',
      );
      await env().sleep(11 * MIN);
      const view = await waitFor(
        () => handle.query(currentPlanQuery),
        (v) => v.commands[0]?.status === 'unacknowledged',
        'ack timeout',
      );
      expect(view.commands[0]?.sentAt).toBeDefined();
    });
  });

  it('re-plans when forecasts change and sends the command at the new time only', async () => {
    const { activities, calls, knobs } = fakeActivities();
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-d');
      const now = await env().currentTimeMs();
      const first = await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now)] });
      knobs.offsetMin = 300;
      await handle.signal(forecastsChangedSignal, { issuedAt: new Date(now).toISOString(), modelVersion: 'v2' });
      const view = await waitFor(
        () => handle.query(currentPlanQuery),
        (v) => v.plan?.version === 2,
        'the re-plan',
      );
      const moved = view.commands[0]!;
      expect(Date.parse(moved.at)).toBeGreaterThan(Date.parse(first.startAt));
      expect(moved.idempotencyKey).toBe('home-d/r1/start');

      // Past the new time: one command, at the new time and from the re-plan; the old time sent nothing.
      await env().sleep(6 * HOUR);
      await waitFor(
        async () => calls.dispatched.length,
        (n) => n === 1,
        'the moved start',
      );
      expect(calls.dispatched[0]!.at).toBe(moved.at);
      expect(calls.dispatched[0]!.planVersion).toBe(2);
    });
  });

  it('drops a run started by hand and re-plans the rest', async () => {
    const { activities, calls } = fakeActivities();
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-e');
      const now = await env().currentTimeMs();
      await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now, 'dw')] });
      await handle.executeUpdate(requestRunUpdate, {
        args: [{ ...dishwasher(now, 'wm'), deviceId: 'wm1', appliance: 'washing_machine', stopAtEnd: true }],
      });
      await handle.signal(manualStartSignal, { deviceId: 'dw1', at: new Date(now).toISOString() });
      const view = await waitFor(
        () => handle.query(currentPlanQuery),
        (v) => v.replans >= 3,
        'the re-plan',
      );
      expect(view.requests.find((r) => r.request.requestId === 'dw')?.status).toBe('started-manually');
      expect(view.commands.find((c) => c.requestId === 'dw')?.status).toBe('cancelled');
      expect(calls.plans.at(-1)?.requests.map((r) => r.requestId)).toEqual(['wm']);

      await env().sleep(5 * HOUR);
      await waitFor(
        async () => calls.dispatched.length,
        (n) => n === 2,
        'start and stop of the washing machine',
      );
      expect(calls.dispatched.map((c) => c.idempotencyKey)).toEqual(['home-e/wm/start', 'home-e/wm/stop']);
    });
  });

  it('continues as new to stay small and keeps its plan, requests and commands', async () => {
    const { activities, calls, knobs } = fakeActivities();
    // In real time with time skipping locked throughout: unlocked, the server may skip the idle workflow past its
    // plans while the updates go in, and its skipping after a continue-as-new once hung a CI run (env.sleep never
    // returned). The starts are planned 30 s ahead, so they fall due after the continue-as-new in most runs.
    knobs.offsetMin = 0.5;
    await testService().lockTimeSkipping({});
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-f', { maxHistoryEvents: 40 });
      const now = await env().currentTimeMs();
      const firstRunId = (await handle.describe()).runId;
      for (let i = 0; i < 4; i++) {
        await handle.executeUpdate(requestRunUpdate, {
          args: [
            { ...dishwasher(now, `r${i}`), deviceId: `d${i}`, readyBy: new Date(now + (30 + i) * HOUR).toISOString() },
          ],
        });
      }
      for (let i = 0; i < 5; i++) {
        await handle.signal(forecastsChangedSignal, { issuedAt: new Date(now).toISOString(), modelVersion: `v${i}` });
      }
      const described = await waitFor(
        () => handle.describe(),
        (d) => d.runId !== firstRunId,
        'continue-as-new',
      );
      expect(described.runId).not.toBe(firstRunId);
      const view = await waitFor(
        () => handle.query(currentPlanQuery),
        (v) => v.plan !== null,
        'the carried plan',
      );
      expect(view.requests.map((r) => r.request.requestId)).toEqual(['r0', 'r1', 'r2', 'r3']);
      expect(view.commands.map((c) => c.idempotencyKey).sort()).toEqual(
        ['r0', 'r1', 'r2', 'r3'].map((r) => `home-f/${r}/start`),
      );

      await waitFor(
        async () => calls.dispatched.length,
        (n) => n === 4,
        'four starts',
        60_000,
      );
      expect(new Set(calls.dispatched.map((c) => c.idempotencyKey)).size).toBe(4);
    });
  });
});

describe('optimizeHomeWorkflow with a real appliance profile', () => {
  it('hands the real profile of a request to the planner unchanged', async () => {
    const { activities, calls } = fakeActivities();
    await testService().lockTimeSkipping({}); // nothing here needs time to pass
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-profile');
      const now = await env().currentTimeMs();
      const profileW = Array.from({ length: 120 }, (_, m) => (m < 20 || m >= 100 ? 2000 : 100));
      await handle.executeUpdate(requestRunUpdate, { args: [{ ...dishwasher(now), profileW }] });
      expect(calls.plans.map((p) => p.requests.map((r) => r.profileW))).toEqual([[profileW]]);
      const view = await handle.query(currentPlanQuery);
      expect(view.requests[0]?.request.profileW).toEqual(profileW);
    });
  });
});

describe('optimizeHomeWorkflow with bad or infeasible requests', () => {
  // One rejection per workflow: after a rejected update the Java test server loses track of later updates.
  it.each([
    [
      'a negative duration',
      (now: number) => ({ ...dishwasher(now, 'bad'), durationMin: -5 }),
      /durationMin must be a positive number/,
    ],
    [
      'readyBy before the earliest start',
      (now: number) => ({
        ...dishwasher(now, 'tight'),
        earliestStart: new Date(now + 10 * HOUR).toISOString(),
        readyBy: new Date(now + 9 * HOUR).toISOString(),
      }),
      /readyBy .* is too early/,
    ],
    ['a reused requestId', (now: number) => dishwasher(now, 'ok'), /requestId ok was already used/],
  ])('rejects %s in the validator and keeps the plan', async (_what, makeRequest, message) => {
    const { activities, calls } = fakeActivities();
    // Nothing here needs time to pass; unlocked, the server may skip the idle workflow to its execution timeout
    // between the two updates (seen under load as WorkflowNotFoundError).
    await testService().lockTimeSkipping({});
    await withWorkers(env(), activities, async () => {
      const handle = await startHome(`home-bad-${Math.random().toString(36).slice(2, 8)}`);
      const now = await env().currentTimeMs();
      await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now, 'ok')] });
      const err = await handle.executeUpdate(requestRunUpdate, { args: [makeRequest(now)] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(message);
      const view = await handle.query(currentPlanQuery);
      expect(view.requests.map((r) => r.request.requestId)).toEqual(['ok']);
      expect(view.plan?.runs.map((r) => r.requestId)).toEqual(['ok']);
      expect(calls.plans).toHaveLength(1);
    });
  });

  it('rejects a request the planner finds infeasible without losing the plan', async () => {
    const { activities } = fakeActivities();
    const planHome = activities.planHome;
    activities.planHome = async (input) => {
      if (input.requests.some((r) => r.appliance === 'sauna')) {
        throw ApplicationFailure.create({
          type: 'Infeasible',
          message: 'the sauna cannot run before 07:00',
          nonRetryable: true,
        });
      }
      return planHome(input);
    };
    await testService().lockTimeSkipping({}); // as in the validator tests above
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-c');
      const now = await env().currentTimeMs();
      await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now, 'dw')] });
      const sauna: RunRequest = { ...dishwasher(now, 'sauna'), deviceId: 'sauna1', appliance: 'sauna' };
      const err = await handle.executeUpdate(requestRunUpdate, { args: [sauna] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(/sauna cannot run before 07:00/);
      const view = await handle.query(currentPlanQuery);
      expect(view.requests.map((r) => [r.request.requestId, r.status])).toEqual([
        ['dw', 'planned'],
        ['sauna', 'rejected'],
      ]);
      expect(view.plan?.runs.map((r) => r.requestId)).toEqual(['dw']);
    });
  });

  it('overrideRuns: a refused override says why in its details; a pin re-plans with the window; start-now sends at once', async () => {
    const { activities, calls } = fakeActivities();
    // In real time: skipped ahead while an update waits, the server would send the planned start before it answers.
    await testService().lockTimeSkipping({});
    await withWorkers(env(), activities, async () => {
      const handle = await startHome('home-ovr');
      const now = await env().currentTimeMs();
      await handle.executeUpdate(requestRunUpdate, { args: [dishwasher(now)] });

      const refused = await handle
        .executeUpdate(overrideRunsUpdate, {
          args: [
            {
              overrideId: 'bad',
              overrides: [
                {
                  requestId: 'r1',
                  action: 'pin',
                  window: { from: new Date(now - 3 * HOUR).toISOString(), to: new Date(now - HOUR).toISOString() },
                },
              ],
            },
          ],
        })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      const failure = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(failure.type).toBe('BadInput');
      expect(failure.details).toEqual([
        { requestId: 'r1', code: 'window_in_past', message: expect.stringContaining('the window ends at') },
      ]);
      expect(calls.plans).toHaveLength(1); // the validator refused it: no re-plan

      const from = now + 5 * HOUR;
      const pinned = await handle.executeUpdate(overrideRunsUpdate, {
        args: [
          {
            overrideId: 'pin-1',
            overrides: [
              {
                requestId: 'r1',
                action: 'pin',
                window: { from: new Date(from).toISOString(), to: new Date(from + 4 * HOUR).toISOString() },
              },
            ],
          },
        ],
      });
      expect(pinned).toMatchObject({
        overrideId: 'pin-1',
        planVersion: 2,
        runs: [{ requestId: 'r1', status: 'planned' }],
      });
      expect(calls.plans[1]?.requests[0]).toMatchObject({ earliestStart: new Date(from).toISOString(), pinned: true });
      // The fake planner starts runs 120 min after their earliest start: inside the pinned window.
      expect(Date.parse(pinned.runs[0]!.startAt!)).toBe(from + 120 * MIN);

      const started = await handle.executeUpdate(overrideRunsUpdate, {
        args: [{ overrideId: 'go', overrides: [{ requestId: 'r1', action: 'start-now' }] }],
      });
      expect(started.runs[0]).toMatchObject({
        status: 'dispatched',
        command: { idempotencyKey: 'home-ovr/r1/start', status: 'sent' },
      });
      expect(calls.dispatched.map((c) => c.idempotencyKey)).toEqual(['home-ovr/r1/start']);
      expect(Math.abs(Date.parse(calls.dispatched[0]!.at) - now)).toBeLessThan(5 * MIN);
      // The same override id again answers again, without a second command.
      const again = await handle.executeUpdate(overrideRunsUpdate, {
        args: [{ overrideId: 'go', overrides: [{ requestId: 'r1', action: 'start-now' }] }],
      });
      expect(again.runs[0]?.command?.status).toBe('sent');
      expect(calls.dispatched).toHaveLength(1);
      await testService().unlockTimeSkipping({});
    });
  });
});
