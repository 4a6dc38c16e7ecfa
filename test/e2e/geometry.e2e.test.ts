/**
 * Series in awkward geometry, written at test time and dropped on the page:
 * a gantry-tilted stack and a stack with a missing slice must carry a visible
 * "not reliable in 3D" warning naming the reason (series list, series
 * information, 3D tab); feet-first, sagittal and coronal acquisitions must
 * not, and must show the right orientation letters, with the bone marker of
 * the synthetic scene (patient's left, anterior, superior) on the side the
 * letters say and the cursor readout at its patient position.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Vec3 } from '../../src/core/volume/volume';
import {
  MARKER_MM, SCENE_HU, sliceIndexNearest, writeSyntheticSeries, type SyntheticSeries, type SyntheticSeriesParams,
} from '../fixtures/syntheticSeries';
import { sliceNumber } from '../../src/viewer2d/sliceNumbering';
import { dropPaths, readCanvasRgba, screenshot, startAppForSuite } from './harness';

const TILT_DEG = 15;
const tiltRad = (TILT_DEG * Math.PI) / 180;

const CASES = {
  // Gantry tilted about the patient's left-right axis: slices lean, the table moves along z.
  tilted: { colDir: [0, Math.cos(tiltRad), -Math.sin(tiltRad)], stackDir: [0, 0, 1], gantryTiltDeg: TILT_DEG, seed: 2 },
  gap: { omit: [8], seed: 3 },
  feetFirst: { rowDir: [-1, 0, 0], colDir: [0, 1, 0], patientPosition: 'FFS', seed: 4 },
  sagittal: { rowDir: [0, 1, 0], colDir: [0, 0, -1], seed: 5 },
  coronal: { rowDir: [1, 0, 0], colDir: [0, 0, -1], centreMm: [0, -40, 0], seed: 6 },
  // The whole chest (lungs reach z = ±110 mm, the body x = ±130 mm), for the analysis in each orientation.
  axialChest: { slices: 52, seed: 7 },
  sagittalChest: { rowDir: [0, 1, 0], colDir: [0, 0, -1], slices: 58, seed: 8 },
  coronalChest: { rowDir: [1, 0, 0], colDir: [0, 0, -1], slices: 44, seed: 9 },
} satisfies Record<string, SyntheticSeriesParams>;
type CaseName = keyof typeof CASES;

const session = startAppForSuite();
let root = '';
const written = {} as Record<CaseName, SyntheticSeries>;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lungview-geometry-'));
  for (const [name, params] of Object.entries(CASES)) {
    written[name as CaseName] = await writeSyntheticSeries(path.join(root, name), params as SyntheticSeriesParams);
  }
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Drops one case's folder on the axial view and waits for its first slice (of this load, not the last one). */
async function load(page: Page, name: CaseName): Promise<number> {
  await page.getByTestId('tab-axial').click();
  // Each case on its own: a drop adds to what is loaded, so the session is cleared first.
  const clear = page.getByTestId('clear-button');
  if (await clear.count()) await clear.click();
  const before = await page.evaluate(() => performance.getEntriesByName('lungview:first-slice').length);
  // The left column may have scrolled (window presets): bring the drop zone back.
  await page.getByTestId('drop-zone').scrollIntoViewIfNeeded();
  const t0 = Date.now();
  await dropPaths(page, 'drop-zone', [path.join(root, name)]);
  await page.waitForFunction((n) => performance.getEntriesByName('lungview:first-slice').length > n, before, { timeout: 60_000 });
  await page.locator('[data-testid=load-progress][data-phase=done]').waitFor();
  await expect.poll(() => page.getByTestId('series-item').count()).toBe(1);
  return Date.now() - t0;
}

async function letters(page: Page, prefix: string): Promise<Record<'left' | 'right' | 'top' | 'bottom', string>> {
  const get = (e: string) => page.getByTestId(`${prefix}-${e}`).innerText();
  return { left: await get('left'), right: await get('right'), top: await get('top'), bottom: await get('bottom') };
}

/** Centre (CSS px, relative to the canvas centre) of the white (bone-marker) pixels, or null. */
async function markerOnScreen(page: Page): Promise<{ dx: number; dy: number; x: number; y: number } | null> {
  const canvas = page.getByTestId('slice-canvas');
  const box = (await canvas.boundingBox())!;
  const px = await readCanvasRgba(page);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < px.height; y++) {
    for (let x = 0; x < px.width; x++) {
      const i = 4 * (x + y * px.width);
      if (px.rgba[i] > 245 && px.rgba[i + 1] > 245 && px.rgba[i + 2] > 245) {
        sx += x;
        sy += y;
        n++;
      }
    }
  }
  if (n < 4) return null;
  const scale = box.width / px.width;
  const cx = (sx / n) * scale;
  const cy = (sy / n) * scale;
  return { dx: cx - box.width / 2, dy: cy - box.height / 2, x: box.x + cx, y: box.y + cy };
}

/** The patient position (LPS mm) and HU shown by the cursor readout with the pointer at (x, y). */
async function readoutAt(page: Page, x: number, y: number): Promise<{ hu: number; mm: Vec3 }> {
  await page.mouse.move(x, y);
  const readout = page.getByTestId('cursor-readout');
  await expect.poll(() => readout.innerText()).toMatch(/HU/);
  const text = await readout.innerText();
  const hu = /(-?\d+) HU/.exec(text);
  const mm = /(-?[\d.]+), (-?[\d.]+), (-?[\d.]+) mm/.exec(text);
  if (!hu || !mm) throw new Error(`unexpected readout: ${text}`);
  return { hu: Number(hu[1]), mm: [Number(mm[1]), Number(mm[2]), Number(mm[3])] };
}

/**
 * On the axial view (the acquired slices): goes to the slice through the
 * marker, finds it on screen, checks it is on the sides the letters name and
 * that the readout there is the marker's patient position.
 */
async function checkMarker(page: Page, name: CaseName, expectSide: { x: 'left' | 'right'; y: 'top' | 'bottom' }): Promise<void> {
  // The slider runs in slice numbers (slice 1 at the head, sliceNumbering.ts), not volume indices.
  const series = written[name];
  const index = sliceIndexNearest(series, MARKER_MM);
  const number = sliceNumber({ directionXyz: [series.rowDir, series.colDir, series.normal] }, 'axial', index, series.files.length);
  await page.getByTestId('slice-slider').fill(String(number - 1));
  await page.getByTestId('window-preset-mediastinum').click();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const m = await markerOnScreen(page);
  expect(m, 'bone marker visible').not.toBeNull();
  expect(Math.sign(m!.dx)).toBe(expectSide.x === 'right' ? 1 : -1);
  expect(Math.sign(m!.dy)).toBe(expectSide.y === 'bottom' ? 1 : -1);
  const { hu, mm } = await readoutAt(page, m!.x, m!.y);
  expect(hu).toBe(SCENE_HU.marker);
  // Within a pixel (5 mm) in plane and half a slice (2.5 mm) along the normal.
  for (let a = 0; a < 3; a++) expect(Math.abs(mm[a] - MARKER_MM[a])).toBeLessThan(7.5);
}

describe('series whose volume cannot be trusted in 3D', () => {
  it('warns about a gantry-tilted stack in the series list, the series information and the 3D tab', async () => {
    const { page } = session.app;
    const ms = await load(page, 'tilted');
    console.log(`tilted 64×64×20: drop -> first slice ${ms} ms`);
    const reason = new RegExp(`Gantry tilt ${TILT_DEG}\\.0°`);
    const line = page.getByTestId('series-geometry-warning');
    await expect.poll(() => line.innerText()).toMatch(reason);
    expect(await line.isVisible()).toBe(true);
    const info = page.getByTestId('geometry-warning');
    expect(await info.getAttribute('role')).toBe('alert');
    expect(await info.isVisible()).toBe(true);
    expect(await info.innerText()).toMatch(/Not reliable in 3D[\s\S]*Gantry tilt 15\.0°: the 3D surface and distances across slices are skewed/);
    await screenshot(page, 'geometry-tilted-axial');
    await info.scrollIntoViewIfNeeded();
    await screenshot(page, 'geometry-tilted-info');
    // The lungs are meshed anyway; the 3D tab says what is wrong with them.
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 120_000 });
    // And the volumes are not shown as clean numbers: the stats say why they cannot be trusted.
    const untrusted = page.getByTestId('stats-untrusted');
    await untrusted.waitFor();
    expect(await untrusted.getAttribute('role')).toBe('alert');
    expect(await untrusted.innerText()).toMatch(/cannot be trusted[\s\S]*Gantry tilt 15\.0°/);
    await untrusted.scrollIntoViewIfNeeded();
    await screenshot(page, 'geometry-tilted-stats');
    await page.getByTestId('tab-3d').click();
    const warn3d = page.getByTestId('view3d-geometry-warning');
    await warn3d.waitFor();
    expect(await warn3d.isVisible()).toBe(true);
    expect(await warn3d.getAttribute('role')).toBe('alert');
    expect(await warn3d.innerText()).toMatch(reason);
    await page.waitForTimeout(800);
    await screenshot(page, 'geometry-tilted-3d');
    // The small 3D cell of the grid says it in one line.
    await page.getByTestId('tab-mpr').click();
    await expect.poll(() => page.getByTestId('view3d-geometry-warning').innerText()).toMatch(reason);
    await page.waitForTimeout(500);
    await screenshot(page, 'geometry-tilted-grid');
  });

  it('warns about a missing slice, naming the gap', async () => {
    const { page } = session.app;
    await load(page, 'gap');
    const reason = /About 1 slice missing \(gap at -12\.5 → -2\.5 mm\)/;
    await expect.poll(() => page.getByTestId('series-geometry-warning').innerText()).toMatch(/About 1 slice missing/);
    expect(await page.getByTestId('geometry-warning').innerText()).toMatch(reason);
    await page.getByTestId('tab-3d').click();
    await expect.poll(() => page.getByTestId('view3d-geometry-warning').innerText()).toMatch(reason);
    await screenshot(page, 'geometry-gap-3d');
    await page.getByTestId('tab-axial').click();
    await screenshot(page, 'geometry-gap-axial');
  });
});

describe('series in other orientations, shown as acquired and without a warning', () => {
  async function noWarning(page: Page): Promise<void> {
    expect(await page.getByTestId('series-geometry-warning').count()).toBe(0);
    expect(await page.getByTestId('geometry-warning').count()).toBe(0);
    await page.getByTestId('tab-3d').click();
    await page.getByTestId('view3d-panel').waitFor();
    expect(await page.getByTestId('view3d-geometry-warning').count()).toBe(0);
    await page.getByTestId('tab-axial').click();
  }

  it('feet-first supine axial: R on the left, A at the top; the marker at the patient\'s left front', async () => {
    const { page } = session.app;
    await load(page, 'feetFirst');
    await noWarning(page);
    expect(await letters(page, 'orientation')).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    await checkMarker(page, 'feetFirst', { x: 'right', y: 'top' });
    await screenshot(page, 'geometry-feet-first-axial');
    // The reformatted coronal view: head at the top although the slices run head to feet.
    await page.getByTestId('tab-coronal').click();
    expect(await letters(page, 'orientation-coronal')).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    await screenshot(page, 'geometry-feet-first-coronal');
    await page.getByTestId('tab-axial').click();
  });

  it('sagittal: A on the left, S at the top; the marker at the front, high', async () => {
    const { page } = session.app;
    await load(page, 'sagittal');
    await noWarning(page);
    expect(await letters(page, 'orientation')).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
    await checkMarker(page, 'sagittal', { x: 'left', y: 'top' });
    await screenshot(page, 'geometry-sagittal');
  });

  it('coronal: R on the left, S at the top; the marker at the patient\'s left, high', async () => {
    const { page } = session.app;
    await load(page, 'coronal');
    await noWarning(page);
    expect(await letters(page, 'orientation')).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    await checkMarker(page, 'coronal', { x: 'right', y: 'top' });
    await screenshot(page, 'geometry-coronal');
  });

  /** Lung measurements of the finished analysis (mL from the stats panel, the split's too). */
  async function lungMl(page: Page): Promise<{ fill: number; right: number; left: number }> {
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 120_000 });
    const ml = async (id: string) => Number((await page.getByTestId(id).innerText()).replace(/[^0-9.]/g, ''));
    return { fill: await ml('stats-lung-fill-ml'), right: await ml('stats-right-ml'), left: await ml('stats-left-ml') };
  }

  it('sagittal and coronal stacks of the whole chest are analysed in axial order: the same lungs, left and right, as the axial stack', async () => {
    const { page } = session.app;
    await load(page, 'axialChest');
    const axial = await lungMl(page);
    // Both lungs lie inside the stack: 2 x 4/3 pi 40 x 58 x 110 mm^3 = 2138 mL, sampled at 5 mm.
    expect(Math.abs(axial.fill / 2138 - 1)).toBeLessThan(0.1);
    for (const name of ['sagittalChest', 'coronalChest'] as const) {
      await load(page, name);
      const got = await lungMl(page);
      expect(Math.abs(got.fill / axial.fill - 1)).toBeLessThan(0.05);
      expect(Math.abs(got.right / axial.right - 1)).toBeLessThan(0.1);
      expect(Math.abs(got.left / axial.left - 1)).toBeLessThan(0.1);
    }
    await page.getByTestId('tab-3d').click();
    await page.getByTestId('view3d-panel').waitFor();
    await screenshot(page, 'geometry-coronal-chest-3d');
    await page.getByTestId('tab-axial').click();
  });

  it('logged no page errors and made no foreign request', () => {
    expect(session.app.pageErrors).toEqual([]);
    expect(session.app.foreignRequests).toEqual([]);
  });
});
