/**
 * The analysis in the session.browser on a real chest CT dropped as a folder: the
 * worker stages with their progress, the overlays on the slice (judged by
 * pixel statistics), the four-step story, the linked coronal view, and the
 * lung volume against the reference pipeline.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithRealData, readReferenceSummary, seriesDir } from '../helpers/sharedData';
import { overlayCoverage, redSpread } from './analysisPixels';
import { changedFraction, dropPaths, readCanvas, readCanvasRgba, waitForFirstSlice, startAppForSuite } from './harness';

const SERIES = 'cptac-lscc-c3n-00247';
const SHOTS = process.env.LUNGVIEW_ANALYSIS_SCREENSHOTS ?? '/tmp/lungview-analysis';

async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Milliseconds from the start of the load to a performance mark. */
function sinceLoad(page: Page, mark: string): Promise<number> {
  return page.evaluate((m) => {
    const start = performance.getEntriesByName('lungview:load-start').at(-1)!.startTime;
    return performance.getEntriesByName(m).at(-1)!.startTime - start;
  }, mark);
}

async function sliceNumber(page: Page): Promise<number> {
  const m = /^Slice (\d+) \//.exec(await page.getByTestId('slice-label').innerText());
  if (!m) throw new Error('no slice label');
  return Number(m[1]);
}

/** Waits until the slice canvas has drawn the current state (two animation frames). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

describeWithRealData('analysis of a dropped CT in the browser', () => {
  const ref = readReferenceSummary(SERIES);
  const session = startAppForSuite();

  it('runs every stage in a worker with a progress bar each, and reports the timings', async () => {
    const { page } = session.app;
    // Small drawn meshes for the software GPU (the full meshes stay for export).
    await page.locator('.param-more summary').click();
    await page.getByTestId('analysis-mesh-maxtri').fill('60000');
    // The tutorial's GK on 5 slices (the page's default is the whole lung): the story below tells them apart.
    await page.getByTestId('analysis-gk-scope').selectOption('slices');
    await dropPaths(page, 'drop-zone', [seriesDir(SERIES)]);
    await waitForFirstSlice(page, 120_000);
    // Progress is on screen while the analysis runs.
    await page.locator('[data-testid=analysis-status][data-phase=running]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid^=analysis-stage-][data-state=running]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.stage-row progress').count()).toBe(9);
    await shot(page, 'analysis-running');
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
    for (const id of ['segment', 'internal', 'gk', 'measure', 'stats', 'meshLung', 'meshInternal', 'meshGk', 'densitometry']) {
      expect(await page.getByTestId(`analysis-stage-${id}`).getAttribute('data-state')).toBe('done');
    }
    const masksMs = await sinceLoad(page, 'lungview:lung-masks-ready');
    const meshesMs = await sinceLoad(page, 'lungview:meshes-ready');
    const firstSliceMs = await sinceLoad(page, 'lungview:first-slice');
    console.log(
      `${SERIES}: drop -> first slice ${firstSliceMs.toFixed(0)} ms, -> lung masks ${masksMs.toFixed(0)} ms, -> all meshes ${meshesMs.toFixed(0)} ms`,
    );
    expect(masksMs).toBeGreaterThan(firstSliceMs);
    expect(meshesMs).toBeGreaterThan(masksMs);
    await shot(page, 'analysis-done');
  });

  it('shows lung volumes that agree with the reference pipeline', async () => {
    const { page } = session.app;
    const ml = async (id: string) => parseFloat(await page.getByTestId(id).innerText());
    // A complete real series: its numbers are not flagged.
    expect(await page.getByTestId('stats-untrusted').count()).toBe(0);
    expect(Math.abs((await ml('stats-lung-fill-ml')) - ref.lung_volume_ml.fill)).toBeLessThan(1);
    expect(Math.abs((await ml('stats-lung-nofill-ml')) - ref.lung_volume_ml.nofill)).toBeLessThan(1);
    expect(Math.abs((await ml('stats-internal-ml')) - ref.lung_volume_ml.internal)).toBeLessThan(1);
    // Left + right + airway make up the lungs measured (dense disease included: the filled lungs and a few % more),
    // or the panel says why the split failed.
    const inclusive = await ml('stats-inclusive-ml');
    expect(inclusive).toBeGreaterThanOrEqual(ref.lung_volume_ml.fill - 1);
    expect(inclusive).toBeLessThan(ref.lung_volume_ml.fill * 1.05);
    if (await page.getByTestId('stats-right-ml').count()) {
      const sum = (await ml('stats-right-ml')) + (await ml('stats-left-ml')) + (await ml('stats-airway-ml'));
      expect(Math.abs(sum - inclusive)).toBeLessThan(1);
    } else {
      expect((await page.getByTestId('stats-split-failed').innerText()).length).toBeGreaterThan(30);
    }
    expect(await page.getByTestId('hu-histogram').locator('rect.hist-bar').count()).toBeGreaterThan(20);
    expect(await page.getByTestId('stats-gk').locator('tbody tr').count()).toBe(5);
  });

  it('lays the lung overlay on the dark lung pixels, and toggling an overlay changes the picture', async () => {
    const { page } = session.app;
    await page.getByTestId('window-preset-lung').click();
    // Only the filled-lung overlay, then none.
    for (const k of ['internal', 'gk', 'crop']) await page.getByTestId(`overlay-toggle-${k}`).uncheck();
    await settle(page);
    expect(await page.getByTestId('slice-canvas').getAttribute('data-overlays')).toBe('lungFill');
    const withLung = await readCanvasRgba(page);
    await page.getByTestId('overlay-toggle-lungFill').uncheck();
    await settle(page);
    expect(await page.getByTestId('slice-canvas').getAttribute('data-overlays')).toBe('');
    const plain = await readCanvasRgba(page);
    // Lung window: parenchyma ~ -850 HU is grey ~85, soft tissue ~235.
    const c = overlayCoverage(withLung, plain, 130);
    console.log(
      `lung overlay: ${c.overlayPixels} px, ${(100 * c.overlayDarkFraction).toFixed(1)} % of them dark; ` +
        `${(100 * c.darkCoveredFraction).toFixed(1)} % of the dark pixels around the lungs covered`,
    );
    expect(c.overlayPixels).toBeGreaterThan(0.05 * plain.width * plain.height);
    expect(c.overlayDarkFraction).toBeGreaterThan(0.9);
    expect(c.darkCoveredFraction).toBeGreaterThan(0.85);

    // Zoomed and panned, the overlay still sits on the same pixels.
    await page.getByTestId('overlay-toggle-lungFill').check();
    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-in').click();
    await settle(page);
    const zoomedLung = await readCanvasRgba(page);
    await page.getByTestId('overlay-toggle-lungFill').uncheck();
    await settle(page);
    const zoomedPlain = await readCanvasRgba(page);
    const z = overlayCoverage(zoomedLung, zoomedPlain, 130);
    expect(z.overlayPixels).toBeGreaterThan(1.3 * c.overlayPixels);
    expect(z.overlayDarkFraction).toBeGreaterThan(0.9);
    await page.getByTestId('reset-view').click();

    // The internal structures overlay changes the picture and shows in the legend.
    await page.getByTestId('overlay-toggle-internal').check();
    await settle(page);
    expect(changedFraction(await readCanvas(page), await (async () => {
      await page.getByTestId('overlay-toggle-internal').uncheck();
      await settle(page);
      return readCanvas(page);
    })(), 4)).toBeGreaterThan(0.002);
    for (const k of ['lungFill', 'internal', 'gk']) await page.getByTestId(`overlay-toggle-${k}`).check();
    await settle(page);
    expect(await page.getByTestId('overlay-legend').innerText()).toMatch(/Lungs with vessels[\s\S]*Vessels and airway walls[\s\S]*GK structures\s*\(slices \d+–\d+\)/);
    await shot(page, 'analysis-overlays');

    // Scrubbing with the overlays on: time of each picture (window/level + overlays + upload), from the canvas.
    const renderMs: number[] = [];
    const start = await sliceNumber(page);
    for (let z = 44; z < 56; z++) {
      await page.getByTestId('slice-slider').fill(String(z));
      await settle(page);
      renderMs.push(Number(await page.getByTestId('slice-canvas').getAttribute('data-render-ms')));
    }
    renderMs.sort((a, b) => a - b);
    console.log(`scrubbing with 3 overlays: picture render median ${renderMs[renderMs.length >> 1].toFixed(2)} ms, max ${renderMs.at(-1)!.toFixed(2)} ms`);
    expect(renderMs[renderMs.length >> 1]).toBeLessThan(30);
    await page.getByTestId('slice-slider').fill(String(start - 1));
  });

  it('tells the story of the current slice in four synced views, each of which enlarges', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-story').click();
    for (const k of [0, 1, 2, 3]) {
      await page.locator(`[data-testid=story-canvas-${k}][data-state=drawn]`).waitFor({ timeout: 10_000 });
      expect(redSpread(await readCanvasRgba(page, `story-canvas-${k}`))).toBeGreaterThan(5);
    }
    await shot(page, 'analysis-story');
    const small = (await page.getByTestId('story-view-2').boundingBox())!;
    await page.getByTestId('story-view-2').click();
    await expect.poll(async () => (await page.getByTestId('story-view-2').boundingBox())!.width).toBeGreaterThan(1.6 * small.width);
    expect(await page.getByTestId('story-view-0').isVisible()).toBe(false);
    await shot(page, 'analysis-story-enlarged');
    await page.getByTestId('story-view-2').click();
    await expect.poll(() => page.getByTestId('story-view-0').isVisible()).toBe(true);
    // Off the clustered slices the GK view says so; the slider drives all four.
    const before = await readCanvasRgba(page, 'story-canvas-0');
    await page.getByTestId('slice-slider').fill('20');
    await page.locator('[data-testid=story-canvas-3][data-state=not-clustered]').waitFor();
    expect(await page.getByTestId('story-gk-note').innerText()).toMatch(/GK clustered slices \d+–\d+; this is slice 21/);
    await settle(page);
    const after = await readCanvasRgba(page, 'story-canvas-0');
    expect(changedFraction({ width: before.width, height: before.height, grey: before.rgba.filter((_, i) => i % 4 === 0) }, { width: after.width, height: after.height, grey: after.rgba.filter((_, i) => i % 4 === 0) })).toBeGreaterThan(0.05);
    await page.getByTestId('story-goto-gk').click();
    await page.locator('[data-testid=story-canvas-3][data-state=drawn]').waitFor();
  });

  it('moves the axial slice with a click on the coronal view (linked crosshair)', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-coronal').click();
    const canvas = page.getByTestId('slice-canvas-coronal');
    await canvas.waitFor();
    await settle(page);
    const box = (await canvas.boundingBox())!;
    await page.getByTestId('tab-axial').click();
    const start = await sliceNumber(page);
    await page.getByTestId('tab-coronal').click();
    await settle(page);
    // Upper part of the coronal picture (superior is up) and lower part.
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.42);
    await page.getByTestId('tab-axial').click();
    const upper = await sliceNumber(page);
    await page.getByTestId('tab-coronal').click();
    await settle(page);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.58);
    await page.getByTestId('tab-axial').click();
    const lower = await sliceNumber(page);
    expect(upper).not.toBe(start);
    // Slices are numbered from the head (slice 1 the most cranial): the upper click is the lower slice number.
    expect(upper).toBeLessThan(lower);
    // In the grid the axial view shows that slice and the coronal view the same crosshair
    // (head-first, 99 slices: volume index 0 is the lowest, slice number 99).
    await page.getByTestId('tab-mpr').click();
    await settle(page);
    expect(Number(await page.getByTestId('slice-canvas').getAttribute('data-drawn-slice'))).toBe(99 - lower);
    await shot(page, 'analysis-grid');
    await page.getByTestId('tab-sagittal').click();
    await settle(page);
    await shot(page, 'analysis-sagittal');
  });

  it('picks a point with Alt + click: the crop box is drawn around it, and the 3D tab shows the surfaces', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-axial').click();
    const canvas = page.getByTestId('slice-canvas');
    await settle(page);
    const box = (await canvas.boundingBox())!;
    const px = Math.round(box.width * 0.32);
    const py = Math.round(box.height * 0.45);
    await page.keyboard.down('Alt');
    await page.mouse.click(box.x + px, box.y + py);
    await page.keyboard.up('Alt');
    await page.getByTestId('overlay-toggle-crop').check();
    await page.getByTestId('legend-crop').waitFor();
    await settle(page);
    const withBox = await readCanvasRgba(page);
    await page.getByTestId('overlay-toggle-crop').uncheck();
    await settle(page);
    const plain = await readCanvasRgba(page);
    const c = overlayCoverage(withBox, plain, 256);
    expect(c.overlayPixels).toBeGreaterThan(100);
    // The box is centred on the picked pixel (within a pixel or two of the image grid).
    expect(Math.abs((c.box!.x0 + c.box!.x1) / 2 - px)).toBeLessThan(4);
    expect(Math.abs((c.box!.y0 + c.box!.y1) / 2 - py)).toBeLessThan(4);
    // 2 × 15 mm at the drawn scale (image 512 px of 0.564 mm drawn over the canvas height).
    const mmPerPx = (512 * 0.564453125) / Math.min(box.width, box.height);
    expect((c.box!.x1 - c.box!.x0 + 1) * mmPerPx).toBeGreaterThan(26);
    expect((c.box!.x1 - c.box!.x0 + 1) * mmPerPx).toBeLessThan(34);
    await page.getByTestId('overlay-toggle-crop').check();
    await settle(page);
    await shot(page, 'analysis-crop-box');
    await page.getByTestId('tab-3d').click();
    await page.getByTestId('view3d-panel').waitFor();
    await page.waitForTimeout(1500);
    await shot(page, 'analysis-3d');
    await page.getByTestId('tab-axial').click();
  });

  it('shows the keyboard help with ? and closes it with Escape', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-axial').click();
    await page.getByTestId('slice-canvas').focus();
    await page.keyboard.press('?');
    await page.getByTestId('keyboard-help').waitFor();
    expect(await page.getByTestId('keyboard-help').innerText()).toMatch(/Alt \+ click/);
    await shot(page, 'analysis-help');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('keyboard-help').count()).toBe(0);
  });

  it('made no request to another origin, logged no errors and showed no patient identifiers', async () => {
    const { page } = session.app;
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
    // The patient's name and id, as the metadata panel shows them on request ...
    await page.getByTestId('show-patient-ids').check();
    const ids = (await page.getByTestId('patient-ids').locator('dd').allInnerTexts()).filter((t) => t.length > 2 && t !== '–');
    await page.getByTestId('show-patient-ids').uncheck();
    expect(ids.length).toBeGreaterThan(0);
    // ... appear nowhere in the views, panels and measurements otherwise.
    for (const tab of ['axial', 'story', 'mpr']) {
      await page.getByTestId(`tab-${tab}`).click();
      const text = await page.locator('main, .column-right, [data-testid=analysis-panel]').allInnerTexts();
      for (const id of ids) expect(text.join('\n')).not.toContain(id);
    }
  });
});
