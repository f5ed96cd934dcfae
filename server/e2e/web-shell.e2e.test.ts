// The server serves the web app at `/` and the page talks to the API (same origin).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/support/app.js';
import { chromiumAvailable, launchBrowser } from './browser.js';

describe.runIf(chromiumAvailable())('web app shell in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'tollgate-web-'));
    const webRoot = resolve(import.meta.dirname, '../../web');
    await build({ root: webRoot, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    app = await createTestApp('sqlite', {}, { webDist: outDir });
    base = await app.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('renders the app at / and shows the live server health', async () => {
    const page = await browser.newPage();
    const response = await page.goto(base + '/');
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Tollgate');
    await expect.poll(() => page.getByTestId('health').textContent()).toBe('Server: ok');
    await page.close();
  });

  it('still answers JSON health at / to API clients', async () => {
    const res = await fetch(base + '/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', service: 'tollgate' });
  });
});
