import React, { useEffect, useRef, useState } from 'react';
import { Alert, Button, Field, Input, LoadingPlaceholder, Stack } from '@grafana/ui';
import { getDefaultTimeRange, LoadingState } from '@grafana/data';
import {
  testIds,
  type ApiIntensityForecast,
  type ApiOverrideResult,
  type ApiPlan,
} from '@carbonreducer/grafana-shared';
import { SchedulePanel, type SchedulePanelProps } from '@carbonreducer/grafana-schedule-panel';
import { failureWords, type ConsoleApi } from '../api/client';
import { explainRun } from '../api/explain';
import { planFrames } from '../api/frames';
import { useLoad } from './useLoad';

const ids = testIds.app.plan;
/** `datetime-local` value (UTC, minutes) of an instant, and back. */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const fromLocalInput = (v: string) => new Date(`${v}:00Z`).toISOString();

interface Loaded {
  plan: ApiPlan;
  forecast: ApiIntensityForecast | null;
  region: string;
}

async function loadPlan(api: ConsoleApi, homeId: string): Promise<Loaded> {
  const home = await api.homes().then((l) => l.homes.find((h) => h.homeId === homeId));
  const region = home?.region ?? 'GB';
  const [plan, forecast] = await Promise.all([api.plan(homeId), api.intensity(region, 48).catch(() => null)]);
  return { plan, forecast, region };
}

/** A new run request's fields, as the form holds them. */
interface RequestForm {
  deviceId: string;
  appliance: string;
  durationMin: string;
  powerW: string;
  readyBy: string;
}

export function HomePlan({ api, homeId, onDrawn }: { api: ConsoleApi; homeId: string; onDrawn?: () => void }) {
  const { value, error, loading, reload } = useLoad(() => loadPlan(api, homeId), [api, homeId]);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState<RequestForm>({
    deviceId: 'dishwasher',
    appliance: 'dishwasher',
    durationMin: '120',
    powerW: '1400',
    readyBy: localInput(Date.now() + 12 * 3_600_000),
  });
  /** The run whose pin form is open, with its window as typed. */
  const [pinning, setPinning] = useState<{ requestId: string; from: string; to: string } | null>(null);
  const drawnRef = useRef(false);
  useEffect(() => {
    if (value && !drawnRef.current) {
      drawnRef.current = true;
      onDrawn?.();
    }
  }, [value, onDrawn]);

  if (error && !value)
    return (
      <Alert data-testid={testIds.app.error} title="The plan could not be loaded">
        {error.message}
      </Alert>
    );
  if (!value) return <LoadingPlaceholder text="Loading the plan" />;
  const nowMs = Date.now();
  const frames = planFrames(value.plan, value.forecast);
  const panelProps = {
    id: 1,
    data: { series: frames, state: LoadingState.Done, timeRange: getDefaultTimeRange() },
    options: { horizonHours: 24, appliances: [], kioskSize: 'desk' },
    width: 900,
    height: 320,
    fieldConfig: { defaults: {}, overrides: [] },
    timeZone: 'utc',
  } as unknown as SchedulePanelProps;

  const submit = async () => {
    setBusy(true);
    setStatus(null);
    try {
      const planned = await api.requestRun(homeId, {
        idempotencyKey: `console-${Date.now().toString(36)}`,
        deviceId: form.deviceId,
        appliance: form.appliance,
        durationMin: Number(form.durationMin),
        powerW: Number(form.powerW),
        readyBy: fromLocalInput(form.readyBy),
      });
      setStatus(
        `Planned ${form.appliance}: ${planned.startAt.slice(11, 16)}–${planned.endAt.slice(11, 16)} UTC, plan v${planned.planVersion}`
      );
      reload();
    } catch (err) {
      setStatus(failureWords('Request', err));
    } finally {
      setBusy(false);
    }
  };

  /** Runs an override; its answer (or the API's refusal, with its reason and code) is shown and the plan reloaded. */
  const act = async (what: keyof typeof ACTION_WORDS, call: () => Promise<ApiOverrideResult>) => {
    setBusy(true);
    setStatus(null);
    try {
      const result = await call();
      const r = result.runs[0];
      const where = r?.startAt ? ` ${r.startAt.slice(11, 16)}–${r.endAt?.slice(11, 16) ?? ''} UTC` : '';
      const command = r?.command ? `, start command ${r.command.status}` : '';
      setStatus(
        `${ACTION_WORDS[what].done}: ${r?.requestId ?? ''} ${r?.status ?? ''}${where}${command}, plan v${result.planVersion}`
      );
      setPinning(null);
      reload();
    } catch (err) {
      setStatus(failureWords(ACTION_WORDS[what].asked, err));
    } finally {
      setBusy(false);
    }
  };
  const verifiedRuns = value.plan.verifiedRuns;
  const requestOf = (requestId: string) => value.plan.requests.find((q) => q.requestId === requestId);
  /** A pin holds only while the run waits: once its start command has gone (start now, or its time came) it is past. */
  const pinOf = (requestId: string) => {
    const q = requestOf(requestId);
    return q?.status === 'planned' ? q.pin : undefined;
  };

  return (
    <div data-testid={ids.page}>
      <div data-testid={ids.drawn}>
        <SchedulePanel {...panelProps} />
      </div>
      <p>
        Plan v{value.plan.version ?? '—'} · planned {value.plan.plannedAt ?? 'never'} · forecast{' '}
        {value.plan.forecastModelVersion ?? '—'} issued {value.plan.forecastIssuedAt ?? '—'} · expected avoided{' '}
        {(value.plan.expectedAvoidedEmissionsG / 1000).toFixed(2)} kg CO2 · verified{' '}
        {(value.plan.verifiedAvoidedEmissionsG / 1000).toFixed(2)} kg CO2
        {loading ? ' · refreshing…' : ''}
      </p>
      {verifiedRuns.length > 0 && (
        <div data-testid={ids.verified}>
          <h3>Finished runs, measured</h3>
          {verifiedRuns.map((v) => (
            <div key={v.requestId} data-testid={ids.verifiedRun(v.requestId)}>
              {v.requestId} ({v.deviceId}): {verificationWords(v)}
            </div>
          ))}
        </div>
      )}
      <h3>Runs</h3>
      {value.plan.runs.length === 0 && <p>No runs planned.</p>}
      {value.plan.runs.map((r) => {
        const why = explainRun(r, value.forecast, nowMs, 'UTC', pinOf(r.requestId));
        return (
          <div key={r.requestId} data-testid={ids.run(r.requestId)} style={{ marginBottom: 12 }}>
            <strong>{r.appliance}</strong> ({r.deviceId}) {r.startAt.slice(11, 16)}–{r.endAt.slice(11, 16)} UTC
            {requestOf(r.requestId)?.status === 'dispatched' ? (
              <div data-testid={ids.started(r.requestId)}>
                Started: the start command went to the device at {r.startAt.slice(11, 16)} UTC
              </div>
            ) : (
              <div data-testid={ids.explanation(r.requestId)}>{why.words}</div>
            )}
            {pinOf(r.requestId) && (
              <div data-testid={ids.pinned(r.requestId)}>
                Pinned to {pinOf(r.requestId)!.from.slice(11, 16)}–{pinOf(r.requestId)!.to.slice(11, 16)} UTC (kept
                through re-plans)
              </div>
            )}
            <Stack gap={1}>
              <Button
                size="sm"
                variant="secondary"
                disabled={busy}
                onClick={() => void act('start-now', () => api.startNow(homeId, r.requestId))}
                data-testid={ids.startNow(r.requestId)}
              >
                Start now
              </Button>
              <Button
                size="sm"
                variant="secondary"
                disabled={busy}
                onClick={() =>
                  setPinning({
                    requestId: r.requestId,
                    from: localInput(Date.parse(r.startAt)),
                    to: localInput(Date.parse(r.endAt) + 3_600_000),
                  })
                }
                data-testid={ids.pin(r.requestId)}
              >
                Pin
              </Button>
              <Button
                size="sm"
                variant="destructive"
                disabled={busy}
                onClick={() => void act('cancel', () => api.cancel(homeId, r.requestId))}
                data-testid={ids.cancel(r.requestId)}
              >
                Cancel
              </Button>
            </Stack>
            {pinning?.requestId === r.requestId && (
              <form
                data-testid={ids.pinForm(r.requestId)}
                onSubmit={(e) => {
                  e.preventDefault();
                  const window = { from: fromLocalInput(pinning.from), to: fromLocalInput(pinning.to) };
                  void act('pin', () => api.pin(homeId, r.requestId, window));
                }}
              >
                <Stack gap={1}>
                  <Field label="Not before (UTC)">
                    <Input
                      type="datetime-local"
                      data-testid={ids.pinFrom(r.requestId)}
                      value={pinning.from}
                      onChange={(e) => setPinning({ ...pinning, from: e.currentTarget.value })}
                    />
                  </Field>
                  <Field label="Finished by (UTC)">
                    <Input
                      type="datetime-local"
                      data-testid={ids.pinTo(r.requestId)}
                      value={pinning.to}
                      onChange={(e) => setPinning({ ...pinning, to: e.currentTarget.value })}
                    />
                  </Field>
                </Stack>
                <Button type="submit" size="sm" disabled={busy} data-testid={ids.pinSubmit(r.requestId)}>
                  Pin to this window
                </Button>
              </form>
            )}
          </div>
        );
      })}
      <h3>Request a run</h3>
      <form
        data-testid={ids.requestForm}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap={1} wrap="wrap">
          <Field label="Device">
            <Input
              data-testid={ids.requestDevice}
              value={form.deviceId}
              onChange={(e) => setForm({ ...form, deviceId: e.currentTarget.value })}
            />
          </Field>
          <Field label="Appliance">
            <Input
              data-testid={ids.requestAppliance}
              value={form.appliance}
              onChange={(e) => setForm({ ...form, appliance: e.currentTarget.value })}
            />
          </Field>
          <Field label="Duration (min)">
            <Input
              data-testid={ids.requestDuration}
              type="number"
              value={form.durationMin}
              onChange={(e) => setForm({ ...form, durationMin: e.currentTarget.value })}
            />
          </Field>
          <Field label="Power (W)">
            <Input
              data-testid={ids.requestPower}
              type="number"
              value={form.powerW}
              onChange={(e) => setForm({ ...form, powerW: e.currentTarget.value })}
            />
          </Field>
          <Field label="Ready by (UTC)">
            <Input
              data-testid={ids.requestReadyBy}
              type="datetime-local"
              value={form.readyBy}
              onChange={(e) => setForm({ ...form, readyBy: e.currentTarget.value })}
            />
          </Field>
        </Stack>
        <Button type="submit" disabled={busy} data-testid={ids.requestSubmit}>
          Request
        </Button>
      </form>
      {status && <p data-testid={ids.actionStatus}>{status}</p>}
    </div>
  );
}

/** What an override is called when asked for, and when done. */
const ACTION_WORDS = {
  'start-now': { asked: 'Start now', done: 'Started now' },
  cancel: { asked: 'Cancel', done: 'Cancelled' },
  pin: { asked: 'Pin', done: 'Pinned' },
} as const;

const NOT_VERIFIED: Record<string, string> = {
  not_acked: 'the device never acknowledged the command',
  no_telemetry: 'no power readings from the device for the run',
  did_not_run: 'the readings show it did not run',
  too_little_energy: 'it drew too little energy to count as a run',
  no_actuals: 'the actual grid intensity is not in yet',
};

/** A verification in words: measured avoided against expected, or why it is not verified (yet). */
export function verificationWords(v: ApiPlan['verifiedRuns'][number]): string {
  const expected = `expected ${(v.expectedAvoidedG / 1000).toFixed(2)} kg`;
  if (v.status === 'verified' && v.avoidedG !== null)
    return `avoided ${(v.avoidedG / 1000).toFixed(2)} kg CO2, measured (${expected})`;
  return `not verified: ${NOT_VERIFIED[v.status] ?? v.status} (${expected})`;
}
