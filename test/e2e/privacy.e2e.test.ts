/**
 * The page talks to its own origin only: the Content-Security-Policy blocks
 * any other, and loading the session.app itself asks nothing of another origin.
 */
import { expect, it } from 'vitest';
import { startAppForSuite } from './harness';

const session = startAppForSuite();

it('loads with a CSP that allows only its own origin, and the built scripts run under it', async () => {
  const csp = await session.app.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).toMatch(/connect-src 'self'/);
  // The session.app rendered, so its scripts and styles were allowed.
  await session.app.page.getByTestId('demo-button').waitFor();
  expect(session.app.pageErrors).toEqual([]);
  expect(session.app.foreignRequests).toEqual([]);
});

it('blocks a request to another origin before it leaves the page', async () => {
  const { page } = session.app;
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
  expect(session.app.foreignRequests).toEqual(['http://198.51.100.7/pixel.png']);
  expect(session.app.foreignFailures).toEqual([{ url: 'http://198.51.100.7/pixel.png', error: 'csp' }]);
});

it('a whole session (load, full analysis, 3D view) asks nothing of another origin', async () => {
  const { page } = session.app;
  const before = session.app.foreignRequests.length;
  const ownRequests: string[] = [];
  const onRequest = (req: { url(): string }) => ownRequests.push(req.url());
  page.on('request', onRequest);
  await page.getByTestId('demo-button').click();
  await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
  await page.getByTestId('tab-3d').click();
  await expect.poll(() => page.evaluate(() => window.__lungview3d?.views.view3d?.info().triangles ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);
  page.off('request', onRequest);
  expect(session.app.foreignRequests.slice(before)).toEqual([]);
  // What the page did fetch came from its own origin: the app's scripts and workers.
  const origin = new URL(page.url()).origin;
  expect(ownRequests.every((u) => u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:'))).toBe(true);
});
