/**
 * The built plugins in headless Chromium (Debian's chromium, playwright-core): a test host page loads each plugin's
 * dist/module.js as Grafana does (AMD, externals from node_modules), a local server speaking Grafana's data source
 * API answers with the real data source backend (cmd/grafanahost), which calls the real API with a real Keycloak MFA
 * token. Screenshots go to .stack/artifacts/grafana-plugins/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { api, setUp, type Setup } from '@carbonreducer/grafana-datasource/integration/setup';
import { repoRoot } from '@carbonreducer/stack-env';
import { testIds } from '../src/testIds';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLUGINS = ['carbonreducer-schedule-panel', 'carbonreducer-datasource', 'carbonreducer-app'];
const artifacts = join(repoRoot, '.stack', 'artifacts', 'grafana-plugins');
const hostDir = join(repoRoot, '.stack', 'grafana-host');
const log = (msg: string) => process.stderr.write(`[grafana-plugins browser] ${msg}\n`);

let setup: Setup;
let host: ChildProcess | undefined;
let hostUrl = '';
let browser: Browser | undefined;
let page: Page;
const timings: Record<string, number> = {};

async function openHost(): Promise<void> {
  const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const token = setup.env.CR_IT_HOMEOWNER_TOKEN ?? '';
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
  setup = await setUp({ worker: true });
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
  writeFileSync(join(artifacts, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  await browser?.close();
  host?.kill('SIGTERM');
  await setup?.cleanup();
});

const own = () => setup.env.CR_IT_OWN_HOME ?? '';

describe('schedule panel (built bundle)', () => {
  it('draws the real forecast with its now line and the cleanest window, desk and room size', async () => {
    await openHost();
    const frames = await page.evaluate(
      (homeId) => window.harness.renderPanel({ homeId, width: 1100, height: 420, kioskSize: 'desk', horizonHours: 12 }),
      own(),
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
      (homeId) => window.harness.renderPanel({ homeId, width: 1280, height: 720, kioskSize: 'room', horizonHours: 12 }),
      own(),
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
    const plan = await api<{ runs: { requestId: string; deviceId: string }[] }>(
      setup.env.CR_IT_API_URL ?? '',
      setup.env.CR_IT_HOMEOWNER_TOKEN ?? '',
      'GET',
      `/api/optimize/homes/${own()}/plan`,
    );
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
    const prefs = await api<{ co2PricePerKg: number }>(
      setup.env.CR_IT_API_URL ?? '',
      setup.env.CR_IT_HOMEOWNER_TOKEN ?? '',
      'GET',
      `/api/homes/${own()}/preferences`,
    );
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
