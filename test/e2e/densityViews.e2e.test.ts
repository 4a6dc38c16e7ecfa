/**
 * Density classes as a user sees them: lung-pet-ct-dx-a0001 is dropped as a
 * folder and analysed; the density overlay is switched on and judged by
 * pixel statistics against the same slice without it (changed pixels only
 * inside the lungs, in class colours) in the axial, coronal and sagittal
 * views; the 3D surface is switched to the density colour mode and its
 * picture judged against the single colour; the histogram has its axes and
 * thresholds. Screenshots at three window sizes go to /tmp/lungview-e2e.
 */
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithRealData } from '../helpers/sharedData';
import { SCREENSHOT_DIR, readCanvasRgba, screenshot, startAppForSuite, type CanvasRgba } from './harness';
import { dropAndAnalyse } from './analysedDrop';
import { foreground, readView, requireTestHook, type RgbPixels } from './view3dHelpers';

const SERIES = 'lung-pet-ct-dx-a0001';
const SIZES: ReadonlyArray<[number, number]> = [
  [1440, 900],
  [1280, 720],
  [1024, 768],
];
const MASK_OVERLAYS = ['lungFill', 'lungNoFill', 'internal', 'gk', 'density', 'crop'] as const;

/** Waits until the slice canvases have drawn the current state (two animation frames). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Switches every overlay off but `on`. */
async function onlyOverlays(page: Page, ...on: string[]): Promise<void> {
  for (const k of MASK_OVERLAYS) await page.getByTestId(`overlay-toggle-${k}`).setChecked(on.includes(k));
  await settle(page);
}

/** 1 where the two pictures differ by more than `tol` in some channel. */
function changedMask(a: CanvasRgba, b: CanvasRgba, tol = 6): Uint8Array {
  const out = new Uint8Array(a.width * a.height);
  for (let i = 0; i < out.length; i++) {
    const j = i * 4;
    const d = Math.max(Math.abs(a.rgba[j] - b.rgba[j]), Math.abs(a.rgba[j + 1] - b.rgba[j + 1]), Math.abs(a.rgba[j + 2] - b.rgba[j + 2]));
    if (d > tol) out[i] = 1;
  }
  return out;
}

/** The mask grown by `r` pixels (square neighbourhood). */
function dilate(m: Uint8Array, width: number, r: number): Uint8Array {
  const height = m.length / width;
  const out = new Uint8Array(m.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!m[x + y * width]) continue;
      for (let v = Math.max(0, y - r); v <= Math.min(height - 1, y + r); v++) out.fill(1, v * width + Math.max(0, x - r), v * width + Math.min(width - 1, x + r) + 1);
    }
  }
  return out;
}

function count(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i];
  return n;
}

interface DensityJudgement {
  lungPixels: number;
  changed: number;
  changedInLung: number;
  lungCovered: number;
  /** Changed pixels by the colour they moved towards: dark blue (emphysema), light blue (inflated), warm (infiltrated, collapsed, vessels). */
  emphysema: number;
  inflated: number;
  warm: number;
}

/**
 * Reads the slice canvas `testId` with only the filled-lung overlay (the
 * lung region), with nothing, and with only the density overlay, and says
 * where and how the density overlay changed the picture.
 */
async function judgeDensity(page: Page, testId: string): Promise<DensityJudgement> {
  await onlyOverlays(page, 'lungFill');
  const lungPic = await readCanvasRgba(page, testId);
  await onlyOverlays(page);
  const plain = await readCanvasRgba(page, testId);
  await onlyOverlays(page, 'density');
  expect(await page.getByTestId(testId).getAttribute('data-overlays')).toBe('density');
  const dens = await readCanvasRgba(page, testId);
  const lung = changedMask(lungPic, plain);
  // Bilinear scaling blends a pixel or two across the lung's edge.
  const near = dilate(lung, plain.width, 2);
  const changed = changedMask(dens, plain);
  let changedInLung = 0, lungCovered = 0, emphysema = 0, inflated = 0, warm = 0;
  for (let i = 0; i < changed.length; i++) {
    if (lung[i] && changed[i]) lungCovered++;
    if (!changed[i]) continue;
    if (near[i]) changedInLung++;
    const j = i * 4;
    const dr = dens.rgba[j] - plain.rgba[j];
    const db = dens.rgba[j + 2] - plain.rgba[j + 2];
    if (db > 20 && dr < -10) emphysema++;
    else if (db > 6 && db > dr + 4) inflated++;
    else if (dr > 6 && db < dr - 10) warm++;
  }
  return { lungPixels: count(lung), changed: count(changed), changedInLung, lungCovered, emphysema, inflated, warm };
}

function blueFraction(p: RgbPixels, fg: Uint8Array): number {
  let n = 0, blue = 0;
  for (let i = 0; i < fg.length; i++) {
    if (!fg[i]) continue;
    n++;
    if (p.rgb[i * 3 + 2] > p.rgb[i * 3] + 30) blue++;
  }
  return n ? blue / n : 0;
}

describeWithRealData('density classes in the 2D views, on the 3D surface and on the histogram', () => {
  beforeAll(requireTestHook);
  const session = startAppForSuite();

  it('analyses the dropped folder', async () => {
    const { page } = session.app;
    // A modest drawn mesh for the software GPU.
    await dropAndAnalyse(page, SERIES);
    await page.getByTestId('window-preset-lung').click();
    // The density overlay is off by default.
    expect(await page.getByTestId('overlay-toggle-density').isChecked()).toBe(false);
  });

  for (const [tab, testId] of [
    ['axial', 'slice-canvas'],
    ['coronal', 'slice-canvas-coronal'],
    ['sagittal', 'slice-canvas-sagittal'],
  ] as const) {
    it(`tints only the lung pixels, in the class colours, in the ${tab} view`, async () => {
      const { page } = session.app;
      await page.getByTestId(`tab-${tab}`).click();
      await page.getByTestId(testId).waitFor();
      const j = await judgeDensity(page, testId);
      console.log(`${tab}: ${JSON.stringify(j)}`);
      expect(j.lungPixels).toBeGreaterThan(2000);
      // Changed pixels lie in the lungs, and most lung pixels changed (all but those in no class or of a faint class on a bright pixel).
      expect(j.changedInLung / j.changed).toBeGreaterThan(0.98);
      expect(j.lungCovered / j.lungPixels).toBeGreaterThan(0.7);
      // Lung parenchyma is mostly inflated (light blue); vessels and partial-volume edges are warm classes.
      expect((j.inflated + j.emphysema) / j.changed).toBeGreaterThan(0.5);
      expect(j.warm).toBeGreaterThan(0.005 * j.changed);
      // This series has voxels at or below −950 HU in its lungs (the dark blue of emphysema).
      expect(j.emphysema).toBeGreaterThan(0);
    });
  }

  it('names the classes with their HU ranges in the legend, and the opacity slider fades the tint', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-axial').click();
    await onlyOverlays(page, 'density');
    const legend = await page.getByTestId('overlay-legend').innerText();
    expect(legend).toMatch(/Density classes/);
    for (const re of [/emphysema\s*−1050…−950 HU/, /inflated\s*−950…−750 HU/, /infiltrated\s*−750…−400 HU/, /collapsed\s*−400…0 HU/, /vessels\s*0…3000 HU/]) expect(legend).toMatch(re);
    const strong = await readCanvasRgba(page);
    // Scrubbing with the density overlay: time of each picture (window/level + classes + upload), from the canvas.
    const start = await page.getByTestId('slice-slider').inputValue();
    const renderMs: number[] = [];
    for (let z = 26; z < 38; z++) {
      await page.getByTestId('slice-slider').fill(String(z));
      await settle(page);
      renderMs.push(Number(await page.getByTestId('slice-canvas').getAttribute('data-render-ms')));
    }
    renderMs.sort((a, b) => a - b);
    console.log(`scrubbing with the density overlay: picture render median ${renderMs[renderMs.length >> 1].toFixed(2)} ms, max ${renderMs.at(-1)!.toFixed(2)} ms`);
    expect(renderMs[renderMs.length >> 1]).toBeLessThan(30);
    await page.getByTestId('slice-slider').fill(start);
    await settle(page);
    await page.getByTestId('overlay-opacity-density').fill('0');
    await settle(page);
    expect(await page.getByTestId('slice-canvas').getAttribute('data-overlays')).toBe('');
    await onlyOverlays(page);
    const plain = await readCanvasRgba(page);
    expect(count(changedMask(strong, plain))).toBeGreaterThan(2000);
    await page.getByTestId('overlay-opacity-density').fill('0.6');
  });

  it('colours the 3D lung surface by density class', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-3d').click();
    await page.waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 1000, undefined, { timeout: 60_000 });
    await page.getByTestId('mesh-opacity-lung').fill('1');
    await page.getByTestId('view3d-color-single').click();
    await settle(page);
    const single = await readView(page, 'view3d');
    expect(await page.getByTestId('view3d-density-legend').count()).toBe(0);
    await page.getByTestId('view3d-color-density').click();
    await settle(page);
    const dens = await readView(page, 'view3d');
    const fgSingle = foreground(single);
    const fgDens = foreground(dens);
    const bSingle = blueFraction(single, fgSingle);
    const bDens = blueFraction(dens, fgDens);
    console.log(`3D: blue pixels of the surface ${(100 * bSingle).toFixed(1)} % in single colour, ${(100 * bDens).toFixed(1)} % by density class`);
    expect(count(fgDens)).toBeGreaterThan(0.05 * fgDens.length);
    expect(bSingle).toBeLessThan(0.02);
    // The lung just inside its surface is mostly inflated (light blue) lung.
    expect(bDens).toBeGreaterThan(0.3);
    expect(await page.getByTestId('view3d-density-legend').locator('li').count()).toBe(5);
  });

  it('labels the histogram axes and marks the densitometry thresholds', async () => {
    const { page } = session.app;
    const hist = page.getByTestId('hu-histogram');
    await hist.scrollIntoViewIfNeeded();
    expect(await hist.getByTestId('hist-count-axis-title').textContent()).toBe('voxels');
    expect(await hist.getByTestId('hist-hu-axis-title').textContent()).toBe('HU');
    expect(await hist.getByTestId('hist-count-tick').count()).toBeGreaterThanOrEqual(2);
    for (const t of [950, 910, 856, 700]) expect(await hist.getByTestId(`hist-threshold-${t}`).textContent()).toBe(`−${t}`);
  });

  it('looks right at three window sizes (screenshots)', async () => {
    const { page } = session.app;
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('tab-axial').click();
      await onlyOverlays(page, 'density');
      await screenshot(page, `density-2d-${w}x${h}`);
      await page.getByTestId('tab-3d').click();
      await settle(page);
      await screenshot(page, `density-3d-${w}x${h}`);
      await page.getByTestId('hu-histogram').scrollIntoViewIfNeeded();
      await page.getByTestId('hu-histogram').screenshot({ path: path.join(SCREENSHOT_DIR, `density-histogram-${w}x${h}.png`) });
      await screenshot(page, `density-page-${w}x${h}`);
    }
  });

  it('logged no errors and made no request to another origin', () => {
    expect(session.app.pageErrors).toEqual([]);
    expect(session.app.foreignRequests).toEqual([]);
  });
});
