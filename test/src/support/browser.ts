import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './cluster';

/** Where the console tests write their screenshots (gitignored; CI keeps them as artifacts). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test', 'artifacts', 'screenshots');

/** Debian's Chromium, or JOBNEST_CHROMIUM. */
export const CHROMIUM_PATH = process.env.JOBNEST_CHROMIUM ?? '/usr/bin/chromium';

/** The browser the console tests need is not on this machine: the message says how to get it. */
export class ChromiumMissingError extends Error {
  constructor(path: string) {
    super(
      `no Chromium at ${path}: the console tests drive a real browser. Install Debian's with ` +
        '`apt-get install -y chromium` (.ci/run does), or point JOBNEST_CHROMIUM at another Chromium binary',
    );
    this.name = 'ChromiumMissingError';
  }
}

/**
 * Starts headless Chromium through playwright-core (which downloads nothing), with a fresh profile of Playwright's.
 * The flags keep it from calling out to Google's services, which a closed network refuses.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError(CHROMIUM_PATH);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Writes a full-page screenshot of `page` as `<name>.png` under SCREENSHOT_DIR and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
