/**
 * The page talks to its own origin only: the Content-Security-Policy blocks
 * any other, and loading the app itself asks nothing of another origin.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openApp, startPreview, type AppPage, type PreviewServer } from './harness';

let server: PreviewServer;
let browser: Browser;
let app: AppPage;

beforeAll(async () => {
  server = await startPreview();
  browser = await launchBrowser();
  app = await openApp(browser, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('loads with a CSP that allows only its own origin, and the built scripts run under it', async () => {
  const csp = await app.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).toMatch(/connect-src 'self'/);
  // The app rendered, so its scripts and styles were allowed.
  await app.page.getByTestId('demo-button').waitFor();
  expect(app.pageErrors).toEqual([]);
  expect(app.foreignRequests).toEqual([]);
});

it('blocks a request to another origin before it leaves the page', async () => {
  const { page } = app;
  const outcome = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    let fetched = 'sent';
    try {
      await fetch('http://198.51.100.7/probe');
    } catch {
      fetched = 'blocked';
    }
    const img = new Image();
    img.src = 'http://198.51.100.7/pixel.png';
    await new Promise((r) => setTimeout(r, 200));
    return { fetched, violations };
  });
  expect(outcome.fetched).toBe('blocked');
  expect(outcome.violations).toEqual(expect.arrayContaining(['connect-src', 'img-src']));
  // Chromium reports the image as a request that the CSP stopped before it
  // went out; the fetch never became a request at all.
  expect(app.foreignRequests).toEqual(['http://198.51.100.7/pixel.png']);
  expect(app.foreignFailures).toEqual([{ url: 'http://198.51.100.7/pixel.png', error: 'csp' }]);
});
