// Real-browser harness: Debian's Chromium driven by playwright-core (never a downloaded browser).
// With CI set, a missing Chromium fails the run; locally its tests are skipped with a note.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env['CI'])
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (CI requires it: apt-get install chromium)`);
  console.warn(`\n!!! Chromium not found at ${CHROMIUM_PATH}: browser tests are SKIPPED\n`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
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
