import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '@carbonreducer/stack-env';

/** Debian's Chromium (installed by scripts/stack.d/keycloak.sh keycloak_install). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/** Screenshots of each login step, kept as test artefacts (git-ignored). */
export const ARTIFACTS = join(repoRoot, '.stack', 'artifacts', 'keycloak');

export interface LoginBrowser {
  browser: Browser;
  /** A fresh context (no cookies) whose screenshots go under ARTIFACTS/<name>/. */
  newSession(name: string): Promise<BrowserSession>;
  close(): Promise<void>;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page PNG `NN-step.png` and returns its path. */
  shot(step: string): Promise<string>;
}

export async function launchBrowser(): Promise<LoginBrowser> {
  // launch() gives the browser a fresh temporary user-data dir of its own (it refuses a --user-data-dir flag).
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
  } catch (error) {
    throw new Error(`cannot start ${CHROMIUM} (installed by 'bash scripts/stack install'; apt-get install chromium)`, {
      cause: error,
    });
  }
  return {
    browser,
    async newSession(name) {
      const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
      const page = await context.newPage();
      const dir = join(ARTIFACTS, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      let step = 0;
      return {
        context,
        page,
        async shot(label) {
          step += 1;
          const path = join(dir, `${String(step).padStart(2, '0')}-${label}.png`);
          // The theme's web fonts (each weight fetched when first used) render text only once loaded: wait for the
          // page's requests to settle, then for the fonts.
          await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
          await page.evaluate('document.fonts.ready.then(() => undefined)');
          await page.screenshot({ path, fullPage: true });
          return path;
        },
      };
    },
    async close() {
      await browser.close();
    },
  };
}
