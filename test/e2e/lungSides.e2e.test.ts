/**
 * Right lung, left lung and airway as a user sees them: a real series is
 * dropped as a folder and analysed; the "Right / left / airway" overlay is
 * switched on alone and judged by pixel colours against the same slice
 * without overlays, in the axial, coronal and sagittal views (the patient's
 * right lung is drawn on the left of the axial and coronal views, so its
 * colour must be there and the left lung's on the other side); the 3D
 * surface is switched to the 'Right / left / airway' colour mode and its
 * picture (read through the 3D test hook) judged the same way. Screenshots
 * at three window sizes go to LUNGVIEW_SCREENSHOTS.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithRealData } from '../helpers/sharedData';
import { dropAndAnalyse } from './analysedDrop';
import { readCanvasRgba, screenshot, startAppForSuite, type CanvasRgba } from './harness';
import { foreground, readView, requireTestHook } from './view3dHelpers';

const SERIES = 'lung-pet-ct-dx-a0001';
const OVERLAYS = ['lungMeasured', 'lungSides', 'lungFill', 'lungNoFill', 'internal', 'gk', 'density', 'crop'] as const;
const SIZES: ReadonlyArray<[number, number]> = [
  [1440, 900],
  [1280, 720],
  [1024, 768],
];

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function onlyOverlays(page: Page, ...on: string[]): Promise<void> {
  for (const k of OVERLAYS) await page.getByTestId(`overlay-toggle-${k}`).setChecked(on.includes(k));
  await settle(page);
}

type Side = 'right' | 'left' | 'airway' | 'other';

/** The colour a pixel moved towards: orange (right lung), teal (left lung), magenta (airway). */
function sideOfShift(dr: number, dg: number, db: number): Side {
  if (dr - db > 35 && dr > dg) return 'right';
  if (db - dr > 35 && dg - dr > 20) return 'left';
  if (dr - dg > 30 && db - dg > 30) return 'airway';
  return 'other';
}

interface Tally {
  /** Changed pixels by colour, in the left and right half of the canvas. */
  leftHalf: Record<Side, number>;
  rightHalf: Record<Side, number>;
  changed: number;
}

function tally(plain: CanvasRgba, over: CanvasRgba): Tally {
  const zero = (): Record<Side, number> => ({ right: 0, left: 0, airway: 0, other: 0 });
  const t: Tally = { leftHalf: zero(), rightHalf: zero(), changed: 0 };
  for (let i = 0; i < plain.width * plain.height; i++) {
    const j = i * 4;
    const dr = over.rgba[j] - plain.rgba[j];
    const dg = over.rgba[j + 1] - plain.rgba[j + 1];
    const db = over.rgba[j + 2] - plain.rgba[j + 2];
    if (Math.max(Math.abs(dr), Math.abs(dg), Math.abs(db)) <= 6) continue;
    t.changed++;
    const half = i % plain.width < plain.width / 2 ? t.leftHalf : t.rightHalf;
    half[sideOfShift(dr, dg, db)]++;
  }
  return t;
}

describeWithRealData('right lung, left lung and airway in their own colours in 2D and 3D', () => {
  beforeAll(requireTestHook);
  const session = startAppForSuite();

  it('analyses the dropped folder and splits the lungs', async () => {
    const { page } = session.app;
    await dropAndAnalyse(page, SERIES);
    await page.getByTestId('window-preset-lung').click();
    // Off by default.
    expect(await page.getByTestId('overlay-toggle-lungSides').isChecked()).toBe(false);
  });

  for (const [tab, testId] of [
    ['axial', 'slice-canvas'],
    ['coronal', 'slice-canvas-coronal'],
  ] as const) {
    it(`paints the patient's right lung (screen left) in the right-lung colour and the left lung in the left-lung colour in the ${tab} view`, async () => {
      const { page } = session.app;
      await page.getByTestId(`tab-${tab}`).click();
      await page.getByTestId(testId).waitFor();
      await onlyOverlays(page);
      const plain = await readCanvasRgba(page, testId);
      await onlyOverlays(page, 'lungSides');
      expect(await page.getByTestId(testId).getAttribute('data-overlays')).toBe('lungSides');
      const t = tally(plain, await readCanvasRgba(page, testId));
      console.log(`${tab}: ${JSON.stringify(t)}`);
      expect(t.changed).toBeGreaterThan(2000);
      // Right lung on the screen's left, left lung on its right, nearly nothing the other way round.
      expect(t.leftHalf.right).toBeGreaterThan(1000);
      expect(t.rightHalf.left).toBeGreaterThan(1000);
      expect(t.leftHalf.left).toBeLessThan(0.05 * t.leftHalf.right);
      expect(t.rightHalf.right).toBeLessThan(0.05 * t.rightHalf.left);
      const coloured = t.leftHalf.right + t.rightHalf.left + t.leftHalf.airway + t.rightHalf.airway;
      expect(coloured / t.changed).toBeGreaterThan(0.9);
      const legend = await page.getByTestId('overlay-legend').innerText();
      for (const word of ['right lung', 'left lung', 'airway']) expect(legend).toContain(word);
    });
  }

  it('paints one lung per sagittal slice, in its colour (the crosshair in the patient\'s right lung)', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-axial').click();
    await onlyOverlays(page);
    // A click a quarter from the axial view's left edge: the patient's right side.
    const box = (await page.getByTestId('slice-canvas').boundingBox())!;
    await page.getByTestId('slice-canvas').click({ position: { x: box.width * 0.3, y: box.height * 0.45 } });
    await page.getByTestId('tab-sagittal').click();
    const testId = 'slice-canvas-sagittal';
    await page.getByTestId(testId).waitFor();
    await onlyOverlays(page);
    const plain = await readCanvasRgba(page, testId);
    await onlyOverlays(page, 'lungSides');
    const t = tally(plain, await readCanvasRgba(page, testId));
    console.log(`sagittal: ${JSON.stringify(t)}`);
    const right = t.leftHalf.right + t.rightHalf.right;
    const left = t.leftHalf.left + t.rightHalf.left;
    expect(right).toBeGreaterThan(1000);
    expect(left).toBeLessThan(0.05 * right);
  });

  it('colours the 3D lung surface by right lung, left lung and airway, with the key', async () => {
    const { page } = session.app;
    await onlyOverlays(page);
    await page.getByTestId('tab-3d').click();
    await page.waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 1000, undefined, { timeout: 60_000 });
    await page.getByTestId('mesh-opacity-lung').fill('1');
    for (const k of ['internal', 'gk'] as const) await page.getByTestId(`mesh-visible-${k}`).setChecked(false);
    await page.getByTestId('view3d-reset').click();
    await page.getByTestId('view3d-color-labels').click();
    await settle(page);
    const pic = await readView(page, 'view3d');
    const fg = foreground(pic);
    const xs: Record<'orange' | 'teal', number[]> = { orange: [], teal: [] };
    let n = 0;
    for (let i = 0; i < fg.length; i++) {
      if (!fg[i]) continue;
      n++;
      const [r, g, b] = [pic.rgb[i * 3], pic.rgb[i * 3 + 1], pic.rgb[i * 3 + 2]];
      if (r > b + 60 && r > g + 20) xs.orange.push(i % pic.width);
      else if (b > r + 40 && g > r + 30) xs.teal.push(i % pic.width);
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
    // Front view: the patient's right lung (orange) on the screen's left of the left lung (teal); few pixels on the wrong side.
    const cut = (mean(xs.orange) + mean(xs.teal)) / 2;
    const wrongOrange = xs.orange.filter((x) => x > cut).length;
    const wrongTeal = xs.teal.filter((x) => x < cut).length;
    console.log(`3D by label: ${n} surface pixels, ${xs.orange.length} right-lung colour (mean x ${mean(xs.orange).toFixed(0)}), ${xs.teal.length} left-lung colour (mean x ${mean(xs.teal).toFixed(0)}); on the wrong side of x ${cut.toFixed(0)}: ${wrongOrange} / ${wrongTeal}`);
    expect(n).toBeGreaterThan(0.05 * fg.length);
    expect(xs.orange.length).toBeGreaterThan(0.25 * n);
    expect(xs.teal.length).toBeGreaterThan(0.25 * n);
    expect((xs.orange.length + xs.teal.length) / n).toBeGreaterThan(0.8);
    expect(mean(xs.orange)).toBeLessThan(mean(xs.teal));
    expect(wrongOrange).toBeLessThan(0.1 * xs.orange.length);
    expect(wrongTeal).toBeLessThan(0.1 * xs.teal.length);
    const key = await page.getByTestId('view3d-sides-legend').innerText();
    for (const word of ['right lung', 'left lung', 'airway']) expect(key).toContain(word);
  });

  it('looks right at three window sizes (screenshots)', async () => {
    const { page } = session.app;
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('tab-axial').click();
      await onlyOverlays(page, 'lungSides');
      await screenshot(page, `sides-2d-${w}x${h}`);
      await page.getByTestId('tab-3d').click();
      await settle(page);
      await screenshot(page, `sides-3d-${w}x${h}`);
    }
  });

  it('logged no errors', () => {
    expect(session.app.pageErrors).toEqual([]);
  });
});
