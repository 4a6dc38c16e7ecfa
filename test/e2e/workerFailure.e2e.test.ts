/**
 * DICOM workers that die: one crashing is replaced without losing a slice,
 * and the load says so; workers that cannot run at all fail the load with
 * the reason and a Retry button that works once they can, without a reload.
 * The series is a phantom written to a temporary folder (no shared data needed).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Worker } from 'playwright-core';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { dropPaths, launchBrowser, openApp, startPreview, type PreviewServer } from './harness';

const SLICES = 24;

describe('DICOM worker failures', () => {
  let server: PreviewServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lungview-workers-'));
    // 256 × 256: files larger than the header prefix, so their pixels stream.
    const ph = makePhantomSeries({ size: 256, slices: SLICES, thicknessMm: 5, seed: 9 });
    for (const f of ph.files) await writeFile(path.join(dir, f.name), f.bytes);
    server = await startPreview();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const isDicomWorker = (w: Worker) => /dicom\.worker/.test(w.url());

  it('a worker that crashes is restarted; every slice still loads and the warnings say what happened', async () => {
    const app = await openApp(browser, server.url);
    const { page } = app;
    // The pool boots its workers with the page; crash one of them the way an uncaught error would.
    await expect.poll(() => page.workers().filter(isDicomWorker).length).toBeGreaterThan(0);
    const victim = page.workers().filter(isDicomWorker)[0];
    await victim.evaluate(() => {
      setTimeout(() => {
        throw new Error('simulated worker crash');
      }, 0);
    });
    await dropPaths(page, 'drop-zone', [dir]);
    await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('series-item').first().innerText()).toMatch(new RegExp(`${SLICES} slices`));
    expect(await page.getByTestId('skipped-files').count()).toBe(0);
    const warnings = await page.getByTestId('load-warnings').innerText();
    expect(warnings).toMatch(/A DICOM worker stopped \(.*simulated worker crash.*\) and was restarted/);
    await app.context.close();
  });

  it('workers that cannot start fail the load with the reason; Retry then loads the same files without a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    // The worker script cannot be fetched: every DICOM worker fails to start.
    let blocked = true;
    await context.route(/dicom\.worker/, (route) => (blocked ? route.abort() : route.continue()));
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('drop-zone').waitFor();
    await dropPaths(page, 'drop-zone', [dir]);
    await page.locator('[data-testid=load-progress][data-phase=error]').waitFor({ timeout: 60_000 });
    const banner = await page.getByTestId('error-banner').innerText();
    expect(banner).toMatch(/Loading failed: the DICOM workers stopped \d+ times in a row/);
    expect(await page.getByTestId('series-item').count()).toBe(0);

    blocked = false;
    await page.getByTestId('retry-button').click();
    await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('series-item').first().innerText()).toMatch(new RegExp(`${SLICES} slices`));
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await expect.poll(() => page.getByTestId('slice-canvas').getAttribute('data-slice-ready')).toBe('true');
    await context.close();
  });
});
