/**
 * The first slice is on screen while the rest of the folder is still being
 * read: a real 134-slice series dropped, with a recorder in the page that
 * notes every change of the load phase and of the slice canvas. The
 * viewer's very first drawing of the canvas is that slice (read before the
 * series are shown), and the load line shows no progress before it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeWithRealData, REAL_SERIES, seriesDir } from '../helpers/sharedData';
import { dropPaths, launchBrowser, openApp, readCanvas, startPreview, waitForFirstSlice, type AppPage, type PreviewServer } from './harness';

interface Sample {
  t: number;
  phase: string | null;
  sliceReady: string | null;
  drawnSlice: string | null;
  notice: string | null;
  slider: boolean;
}

declare global {
  interface Window {
    __streamSamples?: Sample[];
  }
}

/** Installs in the page a recorder of every change of the load phase, the slice canvas and the streaming notice. */
async function recordSamples(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: Sample[] = [];
    window.__streamSamples = samples;
    const sample = () => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=slice-canvas]');
      samples.push({
        t: performance.now(),
        phase: document.querySelector('[data-testid=load-progress]')?.getAttribute('data-phase') ?? null,
        sliceReady: canvas?.dataset.sliceReady ?? null,
        drawnSlice: canvas?.dataset.drawnSlice ?? null,
        notice: document.querySelector('[data-testid=streaming-notice]')?.textContent ?? null,
        slider: document.querySelector('[data-testid=slice-slider]') !== null,
      });
    };
    new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

describeWithRealData('streaming a dropped series', () => {
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

  it('draws a complete slice and offers the slider while later slices are still arriving, then finishes the volume', async () => {
    const { page } = app;
    await recordSamples(page);
    // All three series at once (297 files): the largest (dsb2017, 134 slices) opens and
    // streams first, and the other two keep the load streaming well past its first slice.
    await dropPaths(page, 'drop-zone', REAL_SERIES.map((s) => seriesDir(s)));
    const firstSliceMs = await waitForFirstSlice(page);
    console.log(`drop -> first slice drawn: ${firstSliceMs.toFixed(0)} ms (297 files, streaming)`);
    const samples = await page.evaluate(() => window.__streamSamples ?? []);
    const streaming = samples.filter((s) => s.phase === 'streaming');
    expect(streaming.length).toBeGreaterThan(0);
    // A slice with its pixels drawn, the slider there, and the notice counting slices, all before the load was done.
    const drawnEarly = streaming.find((s) => s.sliceReady === 'true');
    expect(drawnEarly, 'a ready slice drawn while streaming').toBeTruthy();
    expect(drawnEarly!.drawnSlice).toBe('66');
    expect(streaming.some((s) => s.slider)).toBe(true);
    const counted = streaming.map((s) => /(\d+) \/ 297 slices read/.exec(s.notice ?? '')?.[1]).filter((x) => x !== undefined).map(Number);
    expect(counted.length).toBeGreaterThan(0);
    expect(Math.min(...counted)).toBeLessThan(297);
    const doneAt = samples.find((s) => s.phase === 'done')!.t;
    expect(drawnEarly!.t).toBeLessThan(doneAt);

    // The finished volume: every slice present (the notice is gone), the first and last slices show a chest
    // (Home: slice 1, the most cranial, the volume's last plane in this head-up stack; End: the most caudal).
    await expect.poll(() => page.getByTestId('streaming-notice').count()).toBe(0);
    for (const key of ['Home', 'End']) {
      await page.getByTestId('slice-canvas').focus();
      await page.keyboard.press(key);
      await expect.poll(() => page.getByTestId('slice-canvas').getAttribute('data-drawn-slice')).toBe(key === 'Home' ? '133' : '0');
      const px = await readCanvas(page);
      let bright = 0;
      for (const g of px.grey) if (g > 150) bright++;
      // Body tissue at the lung window is bright; a slice never filled would be all black.
      expect(bright / px.grey.length).toBeGreaterThan(0.05);
    }
  });

  it('draws the opening slice in the viewer\'s first frame: no empty canvas and no progress frames before it', async () => {
    const fresh = await openApp(browser, server.url, { width: 1440, height: 900 });
    const { page } = fresh;
    try {
      await recordSamples(page);
      await dropPaths(page, 'drop-zone', [seriesDir('dsb2017-00cba091')]);
      await waitForFirstSlice(page);
      const samples = await page.evaluate(() => window.__streamSamples ?? []);
      const firstDraw = samples.findIndex((s) => s.sliceReady !== null);
      expect(firstDraw).toBeGreaterThanOrEqual(0);
      // The canvas's first picture is the middle slice (of 134), with its pixels.
      expect(samples[firstDraw]).toMatchObject({ sliceReady: 'true', drawnSlice: '66' });
      // Before it, the load line said only that the drop was being read, for the page's quiet time after the
      // load started (appIngest's progressQuietMs, 400 ms): a slower load (a busy machine) shows its progress after that.
      const start = samples.find((s) => s.phase === 'collecting')?.t ?? samples[0].t;
      const progressBefore = samples.slice(0, firstDraw).filter((s) => s.phase !== null && s.phase !== 'collecting' && s.phase !== 'streaming');
      expect(progressBefore.filter((s) => s.t - start < 350).map((s) => s.phase)).toEqual([]);
      console.log(`first slice drawn ${(samples[firstDraw].t - start).toFixed(0)} ms after the load started; progress shown before it: ${[...new Set(progressBefore.map((s) => s.phase))].join(', ') || 'none'}`);
    } finally {
      await fresh.context.close();
    }
  });
});
