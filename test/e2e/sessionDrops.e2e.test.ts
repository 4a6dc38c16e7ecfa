/**
 * The browser never loses work: a real CT folder dropped and analysed, then
 * an empty folder and a folder with only a text file dropped on it (the
 * series, its volume and its analysis stay; a message says why the drop was
 * ignored), then a second real series (both listed, the new one opens, the
 * first still opens with its slices), the skipped files reached from the
 * load line, and Clear.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { dropPaths, readCanvas, regionMean, screenshot, startAppForSuite, waitForFirstSlice } from './harness';

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
];

/** Screenshots at both window sizes (the element must be on screen in each). */
async function shots(page: Page, name: string, testId: string): Promise<void> {
  for (const vp of VIEWPORTS) {
    await page.setViewportSize(vp);
    await page.getByTestId(testId).scrollIntoViewIfNeeded();
    const box = await page.getByTestId(testId).boundingBox();
    expect(box, `${testId} at ${vp.width}x${vp.height}`).not.toBeNull();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + Math.min(box!.height, 40)).toBeLessThanOrEqual(vp.height);
    await screenshot(page, `${name}-${vp.width}x${vp.height}`);
  }
  await page.setViewportSize(VIEWPORTS[1]);
}

describeWithRealData('a session of several drops', () => {
  const session = startAppForSuite();
  let tmp: string;
  let emptyDir: string;
  let notesDir: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'lungview-session-'));
    emptyDir = path.join(tmp, 'empty-folder');
    notesDir = path.join(tmp, 'notes-folder');
    await mkdir(emptyDir);
    await mkdir(notesDir);
    await writeFile(path.join(notesDir, 'notes.txt'), 'not a DICOM file\n');
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  let lungMl = '';

  it('loads and analyses a real CT folder', async () => {
    const { page } = session.app;
    await dropPaths(page, 'drop-zone', [seriesDir('lung-pet-ct-dx-a0001')]);
    await waitForFirstSlice(page);
    await expect.poll(() => page.getByTestId('series-item').count()).toBe(1);
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 120_000 });
    lungMl = await page.getByTestId('stats-lung-fill-ml').innerText();
    expect(lungMl).toMatch(/mL/);
    expect(await page.getByTestId('session-counts').innerText()).toBe('1 series open');
    await expect.poll(() => page.getByTestId('skipped-link').count()).toBe(0);
  });

  async function expectFirstSeriesKept(page: Page): Promise<void> {
    expect(await page.getByTestId('series-item').count()).toBe(1);
    expect(await page.getByTestId('series-item').first().innerText()).toMatch(/64 slices/);
    expect(await page.getByTestId('load-progress').getAttribute('data-phase')).toBe('done');
    expect(await page.getByTestId('slice-label').innerText()).toMatch(/^Slice 33 \/ 64/);
    // The analysis and its numbers are still there (not run again).
    expect(await page.getByTestId('analysis-status').getAttribute('data-phase')).toBe('done');
    expect(await page.getByTestId('stats-lung-fill-ml').innerText()).toBe(lungMl);
    // The slice is still drawn: a bright body in the middle of the canvas.
    const pixels = await readCanvas(page);
    expect(regionMean(pixels, 0.3, 0.3, 0.7, 0.7)).toBeGreaterThan(40);
  }

  it('an empty folder dropped on it is ignored with a message; the series and its analysis stay', async () => {
    const { page } = session.app;
    await dropPaths(page, 'drop-zone', [emptyDir]);
    const banner = page.getByTestId('error-banner');
    await expect.poll(() => banner.innerText(), { timeout: 30_000 }).toMatch(/Nothing was added from “empty-folder”: no files were found in it\. The loaded series is kept\./);
    expect(await banner.isVisible()).toBe(true);
    await expectFirstSeriesKept(page);
  });

  it('a folder with only a text file is ignored too, and its file is counted on the load line', async () => {
    const { page } = session.app;
    await dropPaths(page, 'drop-zone', [notesDir]);
    const banner = page.getByTestId('error-banner');
    await expect.poll(() => banner.innerText(), { timeout: 30_000 }).toMatch(
      /Nothing was added from “notes-folder”: none of its files is a readable image series \(1 skipped, see the skipped files\)\. The loaded series is kept\./,
    );
    await expectFirstSeriesKept(page);
    expect(await page.getByTestId('skipped-link').innerText()).toBe('1 file skipped');
    await shots(page, 'session-ignored-drop', 'error-banner');
  });

  it('the load line opens the list of skipped files, with the reason', async () => {
    const { page } = session.app;
    expect(await page.getByTestId('skipped-files').getAttribute('open')).toBeNull();
    await page.getByTestId('skipped-link').click();
    await expect.poll(() => page.getByTestId('skipped-files').getAttribute('open')).not.toBeNull();
    const item = page.getByTestId('skipped-item').first();
    await expect.poll(() => item.isVisible()).toBe(true);
    expect(await item.innerText()).toMatch(/notes-folder\/notes\.txt\s+.*DICOM/i);
    await shots(page, 'session-skipped-list', 'skipped-files');
  });

  it('a second real series is added: both listed, the new one opens, the first still opens with its slices', async () => {
    const { page } = session.app;
    await dropPaths(page, 'drop-zone', [seriesDir('cptac-lscc-c3n-00247')]);
    await expect.poll(() => page.getByTestId('series-item').count(), { timeout: 60_000 }).toBe(2);
    await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=load-progress] .load-source').innerText()).toBe('cptac-lscc-c3n-00247');
    expect(await page.getByTestId('session-counts').innerText()).toBe('2 series open');
    // The earlier drop's skipped file is still counted.
    expect(await page.getByTestId('skipped-link').innerText()).toBe('1 file skipped');
    const items = page.getByTestId('series-item');
    expect(await items.nth(0).innerText()).toMatch(/64 slices/);
    expect(await items.nth(1).innerText()).toMatch(/99 slices/);
    expect(await items.nth(1).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByTestId('slice-label').innerText()).toMatch(/^Slice \d+ \/ 99/);
    // The new series is analysed.
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 120_000 });
    const t0 = Date.now();
    await items.nth(0).click();
    await expect.poll(() => page.getByTestId('slice-label').innerText()).toMatch(/^Slice 33 \/ 64/);
    // Its analysis comes back as it was, without running again (a run takes seconds and goes through 'running').
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 2_000 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await page.getByTestId('stats-lung-fill-ml').innerText()).toBe(lungMl);
    await page.waitForTimeout(200);
    expect(regionMean(await readCanvas(page), 0.3, 0.3, 0.7, 0.7)).toBeGreaterThan(40);
    await screenshot(page, 'session-two-series');
  });

  it("a series opened again after a reload comes back on the slice it was left on", async () => {
    const { page } = session.app;
    const label = page.getByTestId('slice-label');
    await page.getByTestId('slice-slider').focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => label.innerText()).not.toMatch(/^Slice 33 \/ 64/);
    const left = (await label.innerText()).split('\n')[0];
    // Saved a moment after the last change.
    await page.waitForTimeout(800);
    await page.reload();
    await page.getByTestId('drop-zone').waitFor();
    await dropPaths(page, 'drop-zone', [seriesDir('lung-pet-ct-dx-a0001')]);
    await waitForFirstSlice(page);
    await expect.poll(() => label.innerText().then((t) => t.split('\n')[0])).toBe(left);
  });

  it('Clear empties the session', async () => {
    const { page } = session.app;
    await page.getByTestId('clear-button').click();
    await expect.poll(() => page.getByTestId('series-item').count()).toBe(0);
    expect(await page.getByTestId('load-progress').count()).toBe(0);
    expect(await page.getByTestId('skipped-files').count()).toBe(0);
    expect(await page.getByTestId('drop-zone-large').isVisible()).toBe(true);
    expect(await page.getByTestId('stats-empty').innerText()).toBe('No analysis yet.');
    expect(session.app.pageErrors).toEqual([]);
    await screenshot(page, 'session-cleared');
  });
});
