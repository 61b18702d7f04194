/**
 * Headless Chromium for Web UI checks, driven by playwright-core with the Debian `chromium` package
 * (playwright's own browser download is not used). Screenshots go to test-artifacts/ (git-ignored).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, 'test-artifacts');

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** $CHROMIUM_PATH, else the Debian package's binary; a clear error when neither exists. */
export function chromiumPath(): string {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CHROMIUM_CANDIDATES;
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`Chromium not found (looked at ${candidates.join(', ')}): install the Debian package \`chromium\` (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return found;
}

export interface LaunchedBrowser {
  /** The browser's only context (a persistent one, so it has its own user-data-dir). */
  context: BrowserContext;
  /** A fresh page in the context. */
  newPage(): Promise<Page>;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Headless Chromium with a throw-away profile (user-data-dir) and a 1280x800 viewport. */
export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedBrowser> {
  const executablePath = chromiumPath();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-chromium-'));
  // launchPersistentContext is how playwright takes a user-data-dir (it refuses --user-data-dir in args).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
