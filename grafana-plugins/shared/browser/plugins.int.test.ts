/**
 * The built plugins in headless Chromium (Debian's chromium, playwright-core): a test host page loads each plugin's
 * dist/module.js as Grafana does (AMD, externals from node_modules), a local server speaking Grafana's data source
 * API answers with the real data source backend (cmd/grafanahost), which calls the real API with a real Keycloak MFA
 * token; the API plans through the home's optimizer workflow on a Temporal worker of this run (integration
 * namespace), with HiGHS against this run's forecast. Screenshots go to .stack/artifacts/grafana-plugins/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { api, setUp, type Setup } from '@carbonreducer/grafana-datasource/integration/setup';
import { repoRoot } from '@carbonreducer/stack-env';
import { useTestTemporal } from '@carbonreducer/workflows/testing';
import type { ApiPlan } from '../src/api';
import { testIds } from '../src/testIds';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLUGINS = ['carbonreducer-schedule-panel', 'carbonreducer-datasource', 'carbonreducer-app'];
const artifacts = join(repoRoot, '.stack', 'artifacts', 'grafana-plugins');
const hostDir = join(repoRoot, '.stack', 'grafana-host');
const log = (msg: string) => process.stderr.write(`[grafana-plugins browser] ${msg}\n`);

// Connects before all; after all, ends this run's optimizer workflow (setUp registers it) and kills its worker.
const { workers, atEnd } = useTestTemporal();
let setup: Setup;
let host: ChildProcess | undefined;
let hostUrl = '';
let browser: Browser | undefined;
let page: Page;
const timings: Record<string, number> = {};

async function openHost(): Promise<void> {
  const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const token = await setup.token('homeowner');
  await page.addInitScript((t) => Object.assign(window, { __token: t }), token);
  page.on('pageerror', (err) => log(`page error: ${err.message}`));
  await page.goto(`${hostUrl}/harness/index.html`);
  await page.waitForFunction(() => 'harness' in window);
}

beforeAll(async () => {
  const missing = PLUGINS.filter((p) => !existsSync(join(repoRoot, 'grafana-plugins', p, 'dist', 'module.js')));
  if (missing.length > 0)
    throw new Error(
      `not built: ${missing.join(', ')}; run npm run build -w @carbonreducer/grafana-schedule-panel -w @carbonreducer/grafana-datasource -w @carbonreducer/grafana-app`,
    );
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: bash scripts/stack install installs Debian's chromium`);
  setup = await setUp({ workers, atEnd });
  if (setup.env.CR_IT_UNAVAILABLE) throw new Error(setup.env.CR_IT_UNAVAILABLE);
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(join(hostDir, 'harness'), { recursive: true });
  await build({
    entryPoints: [join(__dirname, 'host.tsx')],
    bundle: true,
    outfile: join(hostDir, 'harness', 'host.js'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    minify: true,
    logLevel: 'error',
    jsx: 'transform',
    loader: { '.ttf': 'empty', '.woff': 'empty', '.woff2': 'empty', '.svg': 'empty', '.png': 'empty', '.css': 'empty' },
  });
  copyFileSync(join(__dirname, 'index.html'), join(hostDir, 'harness', 'index.html'));
  const exe = join(hostDir, 'grafanahost');
  const go = spawnSync('go', ['build', '-o', exe, './cmd/grafanahost'], {
    cwd: join(repoRoot, 'grafana-plugins', 'carbonreducer-datasource'),
    encoding: 'utf8',
  });
  if (go.status !== 0) throw new Error(`go build of the test host failed: ${go.stderr}`);
  host = spawn(
    exe,
    [
      '-api',
      setup.env.CR_IT_API_URL ?? '',
      '-plugins',
      join(repoRoot, 'grafana-plugins'),
      '-harness',
      join(hostDir, 'harness'),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  hostUrl = await new Promise<string>((resolve, reject) => {
    let buf = '';
    host?.stderr?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening (http:\/\/\S+)/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    host?.on('exit', (code) => reject(new Error(`test host exited (${code}): ${buf}`)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}, 300_000);

afterAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  await browser?.close();
  host?.kill('SIGTERM');
  await setup?.cleanup();
});

const own = () => setup.env.CR_IT_OWN_HOME ?? '';
const region = () => setup.env.CR_IT_REGION ?? '';
/** The API as the homeowner, with a token that is still valid. */
const asHomeowner = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
  api<T>(setup.env.CR_IT_API_URL ?? '', await setup.token('homeowner'), method, path, body);
/** A valid token for the page's next calls (a click-through outlives the 300 s of one access token). */
const freshPageToken = async () => {
  const t = await setup.token('homeowner');
  await page.evaluate((v) => Object.assign(window, { __token: v }), t);
};

describe('schedule panel (built bundle)', () => {
  it('draws the real forecast with its now line and the cleanest window, desk and room size', async () => {
    await openHost();
    const frames = await page.evaluate(
      ([homeId, r]) =>
        window.harness.renderPanel({
          homeId,
          region: r,
          width: 1100,
          height: 420,
          kioskSize: 'desk',
          horizonHours: 12,
        }),
      [own(), region()] as const,
    );
    expect(frames).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^intensity_forecast:[1-9]/),
        expect.stringMatching(/^plan_runs:/),
      ]),
    );
    const ids = testIds.schedulePanel;
    await page.waitForSelector(`[data-testid="${ids.forecastLine}"]`);
    expect(await page.getAttribute(`[data-testid="${ids.forecastLine}"]`, 'd')).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await page.locator(`[data-testid="${ids.nowLine}"]`).count()).toBe(1);
    expect(await page.locator(`[data-testid="${ids.bestWindow}"]`).count()).toBe(1);
    expect(await page.locator(`[data-testid="${ids.band}"]`).count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'schedule-panel-desk.png') });
    await page.evaluate(
      ([homeId, r]) =>
        window.harness.renderPanel({
          homeId,
          region: r,
          width: 1280,
          height: 720,
          kioskSize: 'room',
          horizonHours: 12,
        }),
      [own(), region()] as const,
    );
    await page.waitForSelector(`[data-testid="${ids.forecastLine}"]`);
    await page.screenshot({ path: join(artifacts, 'schedule-panel-room.png') });
  });
});

describe('console app (built bundle)', () => {
  it('shows the homeowner their home only', async () => {
    await openHost();
    await page.evaluate(() => window.harness.renderApp('homes', null));
    await page.waitForSelector(`[data-testid="${testIds.app.homes.row(own())}"]`, { timeout: 30_000 });
    expect(
      await page.locator(`[data-testid="${testIds.app.homes.row(setup.env.CR_IT_OTHER_HOME ?? '')}"]`).count(),
    ).toBe(0);
    await page.screenshot({ path: join(artifacts, 'app-homes.png'), fullPage: true });
  });

  it('draws the home plan with real data (time from opening the page to a drawn plan in timings.json)', async () => {
    await openHost();
    const t0 = Date.now();
    await page.evaluate((homeId) => window.harness.renderApp('plan', homeId), own());
    await page.waitForSelector(
      `[data-testid="${testIds.app.plan.drawn}"] [data-testid="${testIds.schedulePanel.forecastLine}"]`,
      { timeout: 30_000 },
    );
    timings.homePlanOpenToDrawnMs = Date.now() - t0;
    log(`home plan: open → drawn ${timings.homePlanOpenToDrawnMs} ms`);
    await page.screenshot({ path: join(artifacts, 'app-home-plan.png'), fullPage: true });
  });

  it('requests a run from the plan page; the API has it and the page shows it without reload', async () => {
    await openHost();
    await page.evaluate((homeId) => window.harness.renderApp('plan', homeId), own());
    const ids = testIds.app.plan;
    await page.waitForSelector(`[data-testid="${ids.requestForm}"]`, { timeout: 30_000 });
    const readyBy = new Date(Date.now() + 10 * 3_600_000).toISOString().slice(0, 16);
    await page.fill(`[data-testid="${ids.requestDevice}"]`, 'dishwasher-it');
    await page.fill(`[data-testid="${ids.requestReadyBy}"]`, readyBy);
    await page.click(`[data-testid="${ids.requestSubmit}"]`);
    const status = await page.waitForSelector(`[data-testid="${ids.actionStatus}"]`, { timeout: 90_000 });
    const text = (await status.textContent()) ?? '';
    await page.screenshot({ path: join(artifacts, 'app-request-run.png'), fullPage: true });
    expect(text).toMatch(/^Planned dishwasher: \d\d:\d\d–\d\d:\d\d UTC, plan v\d+/);
    const plan = await asHomeowner<ApiPlan>('GET', `/api/optimize/homes/${own()}/plan`);
    const mine = plan.runs.find((r) => r.deviceId === 'dishwasher-it');
    expect(mine).toBeDefined();
    await page.waitForSelector(`[data-testid="${ids.run(mine?.requestId ?? '')}"]`);
  });

  it('saves a CO2 price in Settings and the API keeps it', async () => {
    await openHost();
    await page.evaluate((homeId) => window.harness.renderApp('settings', homeId), own());
    const ids = testIds.app.settings;
    await page.waitForSelector(`[data-testid="${ids.co2Price}"]`, { timeout: 30_000 });
    await page.fill(`[data-testid="${ids.co2Price}"]`, '0.37');
    await page.click(`[data-testid="${ids.save}"]`);
    await page.waitForSelector(`[data-testid="${ids.saved}"]`);
    expect(await page.textContent(`[data-testid="${ids.saved}"]`)).toBe('Saved: CO2 price 0.37 per kg');
    const prefs = await asHomeowner<{ co2PricePerKg: number }>('GET', `/api/homes/${own()}/preferences`);
    expect(prefs.co2PricePerKg).toBe(0.37);
    await page.screenshot({ path: join(artifacts, 'app-settings.png'), fullPage: true });
  });

  it.each(['tradeoff', 'savings'])('renders the %s page with real data', async (p) => {
    await openHost();
    await page.evaluate(([pg, homeId]) => window.harness.renderApp(pg as string, homeId as string), [p, own()]);
    const id = p === 'tradeoff' ? testIds.app.tradeoff.page : testIds.app.savings.page;
    await page.waitForSelector(`[data-testid="${id}"]`, { timeout: 30_000 });
    await page.screenshot({ path: join(artifacts, `app-${p}.png`), fullPage: true });
  });
});

describe('console actions on the real stack (built bundle): what the user sees after each click', () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  /** This describe's runs (request ids are the idempotency keys). */
  const DW = 'act-dw';
  const WM = 'act-wm';
  const TD = 'act-td';
  const plan = testIds.app.plan;
  const tradeoff = testIds.app.tradeoff;
  const hhmm = (iso: string) => iso.slice(11, 16);
  const planNow = () => asHomeowner<ApiPlan>('GET', `/api/optimize/homes/${own()}/plan`);
  const sel = (testId: string) => `[data-testid="${testId}"]`;
  const textOf = (testId: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? null, sel(testId));
  /** The text `testId` shows next, once it differs from `before` (an action clears the status, then shows its answer). */
  const nextText = async (testId: string, before: string | null, timeout = 150_000): Promise<string> => {
    const h = await page.waitForFunction(
      ([s, prev]) => {
        const t = document.querySelector(s)?.textContent;
        return t && t !== prev ? t : false;
      },
      [sel(testId), before ?? ''] as const,
      { timeout, polling: 100 },
    );
    return String(await h.jsonValue());
  };
  /** Waits until the element's text satisfies `re` (the page re-drew with the reloaded plan); returns it. */
  const textMatching = async (testId: string, re: RegExp, timeout = 60_000): Promise<string> => {
    const h = await page
      .waitForFunction(
        ([s, src]) => {
          const t = document.querySelector(s)?.textContent ?? '';
          return new RegExp(src).test(t) ? t : false;
        },
        [sel(testId), re.source] as const,
        { timeout, polling: 100 },
      )
      .catch(async (err: unknown) => {
        throw new Error(`${testId} never matched ${re}: it shows ${JSON.stringify(await textOf(testId))}`, {
          cause: err,
        });
      });
    return String(await h.jsonValue());
  };
  const barTitle = (requestId: string) => textOf(testIds.schedulePanel.run(requestId));
  /** The Trade-off chart's points as the user reads them (each point's title). */
  const drawnPoints = async () => {
    const labels = await page.$$eval(`${sel(tradeoff.chart)} > g > title`, (ts) => ts.map((t) => t.textContent ?? ''));
    return labels.map((l) => {
      const m = /^([\d.]+)\/kg CO2: ([\d.]+) GBP, ([\d.]+) kg/.exec(l);
      if (!m) throw new Error(`a point's label is not "<price>/kg CO2: <cost> GBP, <kg> kg": ${l}`);
      return { price: Number(m[1]), cost: Number(m[2]), kg: Number(m[3]) };
    });
  };

  beforeAll(async () => {
    // A day and a half of choice: the cheap night and the clean early afternoon are both in every run's window.
    const readyBy = new Date(Date.now() + 40 * HOUR).toISOString();
    for (const [id, appliance, durationMin, powerW] of [
      [DW, 'dishwasher', 120, 1000],
      [WM, 'washing_machine', 90, 1000],
      [TD, 'tumble_dryer', 60, 2000],
    ] as const) {
      const planned = await asHomeowner<{ startAt?: string }>('POST', `/api/optimize/homes/${own()}/runs`, {
        idempotencyKey: id,
        deviceId: `${id}-1`,
        appliance,
        durationMin,
        powerW,
        readyBy,
      });
      if (!planned.startAt) throw new Error(`run ${id} was not planned: ${JSON.stringify(planned)}`);
    }
  }, 300_000);

  it("Trade-off: HiGHS's curve (the clean plan dearer), a price made the home's moves the mark, a point applied pins its runs", async () => {
    await openHost();
    const t0 = Date.now();
    await page.evaluate((homeId) => window.harness.renderApp('tradeoff', homeId), own());
    await page.waitForSelector(sel(tradeoff.chart), { timeout: 180_000 });
    timings.tradeoffOpenToDrawnMs = Date.now() - t0;
    const points = await drawnPoints();
    const prefs = await asHomeowner<{ co2PricePerKg: number }>('GET', `/api/homes/${own()}/preferences`);
    // The API's default prices and the home's own, cheapest first.
    expect(points.map((p) => p.price)).toEqual(
      [...new Set([0, 0.05, 0.1, 0.2, 0.5, 1, 2, prefs.co2PricePerKg])].sort((a, b) => a - b),
    );
    const cheapest = points[0]!;
    const cleanest = points.at(-1)!;
    // Cost only: the night rate, dirty; 2 per kg: the clean early afternoon at the day rate.
    expect(cleanest.kg).toBeLessThan(cheapest.kg);
    expect(cleanest.cost).toBeGreaterThan(cheapest.cost);
    const chosenAt = points.findIndex((p) => p.price === prefs.co2PricePerKg);
    expect(await page.locator(`${sel(tradeoff.point(chosenAt))} ${sel(tradeoff.chosen)}`).count()).toBe(1);
    expect(await page.locator(sel(tradeoff.chosen)).count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'app-tradeoff-curve.png'), fullPage: true });

    // Make the cost-only point the home's price: the mark moves there, and the API keeps it.
    await freshPageToken();
    let before = await textOf(tradeoff.status);
    await page.click(sel(tradeoff.setPrice(0)));
    expect(await nextText(tradeoff.status, before)).toBe('Your CO2 price is now 0 per kg');
    await page.waitForSelector(`${sel(tradeoff.point(0))} ${sel(tradeoff.chosen)}`, { timeout: 180_000 });
    expect(await page.locator(sel(tradeoff.chosen)).count()).toBe(1);
    expect((await asHomeowner<{ co2PricePerKg: number }>('GET', `/api/homes/${own()}/preferences`)).co2PricePerKg).toBe(
      0,
    );
    // The curve re-solved for the new price set (the old price is no longer on it unless it is a default).
    const resolved = await drawnPoints();
    expect(resolved.map((p) => p.price)).toEqual([0, 0.05, 0.1, 0.2, 0.5, 1, 2]);

    // Use the cleanest plan: its runs are pinned where it has them, and the answer says where they start.
    await freshPageToken();
    before = await textOf(tradeoff.status);
    const clicked = Date.now();
    await page.click(sel(tradeoff.apply(resolved.length - 1)));
    const applied = await nextText(tradeoff.status, before);
    timings.tradeoffApplyClickToShownMs = Date.now() - clicked;
    await page.screenshot({ path: join(artifacts, 'app-tradeoff-applied.png'), fullPage: true });
    const m = /^Applied the 2\/kg point: plan v(\d+) \((.+) UTC\)$/.exec(applied);
    if (!m) throw new Error(`after "Use this plan" the page says: ${applied}`);
    const starts = new Map(m[2]!.split(', ').map((s) => s.split(' ') as [string, string]));
    const now = await planNow();
    expect(now.version).toBeGreaterThanOrEqual(Number(m[1]));
    for (const id of [DW, WM, TD]) {
      expect(starts.get(id)).toMatch(/^\d\d:\d\d$/);
      const pin = now.requests.find((r) => r.requestId === id)?.pin;
      expect(pin && hhmm(pin.from)).toBe(starts.get(id));
    }
  }, 600_000);

  it('Home plan: the pinned marker; pin re-draws the run in its window; a window too short is refused with its code', async () => {
    await openHost();
    await page.evaluate((homeId) => window.harness.renderApp('plan', homeId), own());
    await page.waitForSelector(sel(plan.run(DW)), { timeout: 60_000 });
    const before = await planNow();
    // The Pareto point's pins, as the user sees them, each with the run's own start.
    for (const id of [DW, WM, TD]) {
      const r = before.runs.find((x) => x.requestId === id);
      const pin = before.requests.find((x) => x.requestId === id)?.pin;
      if (!r || !pin) throw new Error(`${id} is not planned with a pin: ${JSON.stringify(before.requests)}`);
      expect(await textOf(plan.pinned(id))).toBe(
        `Pinned to ${hhmm(pin.from)}–${hhmm(pin.to)} UTC (kept through re-plans)`,
      );
      expect(await textOf(plan.run(id))).toContain(`${hhmm(r.startAt)}–${hhmm(r.endAt)} UTC`);
    }

    // Pin the dishwasher to a 3 h window that does not hold its start: the plan moves it there.
    const dw = before.runs.find((x) => x.requestId === DW)!;
    const startMs = Date.parse(dw.startAt);
    let fromMs = Math.ceil((Date.now() + HOUR) / MIN) * MIN;
    if (startMs >= fromMs - 30 * MIN && startMs <= fromMs + 3 * HOUR) fromMs += 5 * HOUR;
    const from = new Date(fromMs).toISOString();
    const to = new Date(fromMs + 3 * HOUR).toISOString();
    await freshPageToken();
    await page.click(sel(plan.pin(DW)));
    await page.fill(sel(plan.pinFrom(DW)), from.slice(0, 16));
    await page.fill(sel(plan.pinTo(DW)), to.slice(0, 16));
    let status = await textOf(plan.actionStatus);
    const clicked = Date.now();
    await page.click(sel(plan.pinSubmit(DW)));
    status = await nextText(plan.actionStatus, status);
    const m = new RegExp(`^Pinned: ${DW} planned (\\d\\d:\\d\\d)–(\\d\\d:\\d\\d) UTC, plan v(\\d+)$`).exec(status);
    if (!m) throw new Error(`after pinning the page says: ${status}`);
    const [, newStart, newEnd, version] = m as unknown as [string, string, string, string];
    // Re-drawn from the reloaded plan: the marker shows the new window, the row and the bar the new times.
    await textMatching(plan.pinned(DW), new RegExp(`^Pinned to ${hhmm(from)}–${hhmm(to)} UTC`));
    timings.pinClickToRedrawnMs = Date.now() - clicked;
    expect(await textOf(plan.run(DW))).toContain(`${newStart}–${newEnd} UTC`);
    expect(await barTitle(DW)).toContain(`${newStart}–${newEnd}`);
    expect(await textOf(plan.page)).toMatch(new RegExp(`Plan v${version} `));
    expect(Number(version)).toBeGreaterThan(before.version ?? 0);
    expect(newStart).not.toBe(hhmm(dw.startAt));
    await page.screenshot({ path: join(artifacts, 'app-plan-pinned.png'), fullPage: true });
    const pinned = await planNow();
    const run = pinned.runs.find((x) => x.requestId === DW)!;
    expect(Date.parse(run.startAt)).toBeGreaterThanOrEqual(fromMs);
    expect(Date.parse(run.endAt)).toBeLessThanOrEqual(fromMs + 3 * HOUR);
    expect(pinned.requests.find((x) => x.requestId === DW)?.pin?.from).toBe(from);

    // One hour for a two-hour cycle: the optimizer's validator refuses, the page says why and with which code, the
    // form stays open to correct it, and the plan is unchanged.
    const shortFrom = new Date(Math.ceil((Date.now() + 2 * HOUR) / MIN) * MIN).toISOString();
    const shortTo = new Date(Date.parse(shortFrom) + HOUR).toISOString();
    await freshPageToken();
    await page.click(sel(plan.pin(DW)));
    await page.fill(sel(plan.pinFrom(DW)), shortFrom.slice(0, 16));
    await page.fill(sel(plan.pinTo(DW)), shortTo.slice(0, 16));
    status = await textOf(plan.actionStatus);
    await page.click(sel(plan.pinSubmit(DW)));
    status = await nextText(plan.actionStatus, status);
    expect(status).toMatch(new RegExp(`^Pin refused: .*the 120 min cycle does not fit.* \\(window_too_short\\)$`));
    expect(await page.locator(sel(plan.pinForm(DW))).count()).toBe(1);
    expect(await textOf(plan.run(DW))).toContain(`${newStart}–${newEnd} UTC`);
    expect((await planNow()).version).toBe(pinned.version);
    await page.screenshot({ path: join(artifacts, 'app-plan-refused.png'), fullPage: true });
  }, 600_000);

  it('Home plan: cancel takes the run off the page and the panel; start now dispatches one, and cancelling it then is refused', async () => {
    await openHost();
    await page.evaluate((homeId) => window.harness.renderApp('plan', homeId), own());
    await page.waitForSelector(sel(plan.run(WM)), { timeout: 60_000 });
    expect(await page.locator(sel(testIds.schedulePanel.run(WM))).count()).toBe(1);

    await freshPageToken();
    let status = await textOf(plan.actionStatus);
    let clicked = Date.now();
    await page.click(sel(plan.cancel(WM)));
    status = await nextText(plan.actionStatus, status);
    expect(status).toMatch(new RegExp(`^Cancelled: ${WM} cancelled, plan v\\d+$`));
    await page.waitForSelector(sel(plan.run(WM)), { state: 'detached', timeout: 60_000 });
    timings.cancelClickToGoneMs = Date.now() - clicked;
    expect(await page.locator(sel(testIds.schedulePanel.run(WM))).count()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'app-plan-cancelled.png'), fullPage: true });
    const afterCancel = await planNow();
    expect(afterCancel.requests.find((r) => r.requestId === WM)?.status).toBe('cancelled');
    expect(afterCancel.runs.map((r) => r.requestId)).not.toContain(WM);

    await freshPageToken();
    status = await textOf(plan.actionStatus);
    clicked = Date.now();
    await page.click(sel(plan.startNow(TD)));
    status = await nextText(plan.actionStatus, status);
    timings.startNowClickToShownMs = Date.now() - clicked;
    const m = new RegExp(
      `^Started now: ${TD} dispatched (\\d\\d:\\d\\d)–(\\d\\d:\\d\\d) UTC, start command sent, plan v\\d+$`,
    ).exec(status);
    if (!m) throw new Error(`after "Start now" the page says: ${status}`);
    const started = await planNow();
    expect(started.requests.find((r) => r.requestId === TD)?.status).toBe('dispatched');
    const td = started.runs.find((r) => r.requestId === TD);
    if (!td) throw new Error(`the dispatched run is not in the plan: ${JSON.stringify(started.runs)}`);
    // Now, not in the window the Pareto point pinned it to.
    expect(Math.abs(Date.parse(td.startAt) - clicked)).toBeLessThan(31 * MIN);
    expect(hhmm(td.startAt)).toBe(m[1]);
    await textMatching(plan.run(TD), new RegExp(`${m[1]}–${m[2]} UTC`));
    // Started, so no longer explained by its (past) pin.
    await textMatching(plan.started(TD), new RegExp(`^Started: the start command went to the device at ${m[1]} UTC$`));
    expect(await page.locator(sel(plan.pinned(TD))).count()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'app-plan-started.png'), fullPage: true });

    // A started run is not cancelled: the refusal is shown with the validator's code, and the run stays.
    await freshPageToken();
    status = await textOf(plan.actionStatus);
    await page.click(sel(plan.cancel(TD)));
    status = await nextText(plan.actionStatus, status);
    expect(status).toBe(`Cancel refused: run ${TD} has already started (dispatched) (already_started)`);
    expect(await page.locator(sel(plan.run(TD))).count()).toBe(1);
    expect((await planNow()).requests.find((r) => r.requestId === TD)?.status).toBe('dispatched');
    await page.screenshot({ path: join(artifacts, 'app-plan-refused-started.png'), fullPage: true });
  }, 600_000);
});
