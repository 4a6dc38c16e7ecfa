/**
 * The 3D views in the app: the demo phantom's lung surface appears in the 3D
 * tab, upright and seen from the front; dragging rotates it, Reset brings
 * the front view back; a picked point gives a crop surface in the crop
 * view; the STL download is the full-resolution mesh; a new load does not
 * leave GPU resources behind. Pictures are judged by pixel statistics and
 * saved under /tmp/lungview-3d for people to look at.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openApp, startPreview, waitForFirstSlice, type AppPage, type PreviewServer } from './harness';
import {
  changedFractionRgb,
  foreground,
  fraction,
  maskBox,
  meanRgbOfRows,
  measureFrameMs,
  readView,
  requireTestHook,
  twoBlobWidths,
  viewInfo,
} from './view3dHelpers';

const SHOTS = process.env.LUNGVIEW_3D_SCREENSHOTS ?? '/tmp/lungview-3d';

let server: PreviewServer;
let browser: Browser;
let app: AppPage;

async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Waits until the analysis is done and the 3D view has drawn the lungs. */
async function waitForLungView(page: Page): Promise<void> {
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
  await page.getByTestId('tab-3d').click();
  await page.getByTestId('mesh-row-lung').waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 1000, undefined, { timeout: 30_000 });
}

beforeAll(async () => {
  requireTestHook();
  server = await startPreview();
  browser = await launchBrowser();
  app = await openApp(browser, server.url, { width: 1400, height: 900 });
  await app.page.getByTestId('demo-button').click();
  await waitForFirstSlice(app.page);
  await waitForLungView(app.page);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('shows the lung surface: upright (high = blue, low = red in height colours) with the wider right lung on the left', async () => {
  const { page } = app;
  const single = await readView(page, 'view3d');
  const fg = foreground(single);
  expect(fraction(fg)).toBeGreaterThan(0.05);
  const box = maskBox(fg, single.width)!;
  expect(box.x1 - box.x0).toBeGreaterThan(0.25 * single.width);
  expect(box.y1 - box.y0).toBeGreaterThan(0.4 * single.height);
  await shot(page, 'view3d-front');

  await page.getByTestId('view3d-color-height').click();
  const coloured = await readView(page, 'view3d');
  const cfg = foreground(coloured);
  const cbox = maskBox(cfg, coloured.width)!;
  const h = cbox.y1 - cbox.y0;
  const top = meanRgbOfRows(coloured, cfg, cbox.y0, cbox.y0 + Math.round(0.15 * h));
  const bottom = meanRgbOfRows(coloured, cfg, cbox.y1 - Math.round(0.15 * h), cbox.y1 + 1);
  // RdBu by height: the head end is blue, the feet end red.
  expect(top[2]).toBeGreaterThan(top[0] + 10);
  expect(bottom[0]).toBeGreaterThan(bottom[2] + 10);
  await shot(page, 'view3d-height');
  await page.getByTestId('view3d-color-single').click();

  // The phantom's right lung is 110 mm wide, the left 100 mm: from the front the wider one is on the left.
  const widths = twoBlobWidths(fg, single.width, box.y0 + Math.round(0.55 * (box.y1 - box.y0)), box.y0 + Math.round(0.85 * (box.y1 - box.y0)));
  expect(widths.rows).toBeGreaterThan(10);
  expect(widths.left).toBeGreaterThan(widths.right * 1.03);
});

it('says how many triangles it draws when the mesh was decimated, with area and volume', async () => {
  const { page } = app;
  const row = page.getByTestId('mesh-row-lung');
  const full = Number(await row.getAttribute('data-triangles'));
  const shown = Number(await row.getAttribute('data-display-triangles'));
  expect(full).toBeGreaterThan(1000);
  expect(await page.getByTestId('mesh-stats-lung').innerText()).toMatch(/triangles · [\d,.]+ cm² · [\d,.]+ mL/);
  if (shown < full) expect(await page.getByTestId('mesh-decimated-lung').innerText()).toMatch(/^showing .+ of .+ triangles$/);
  const info = await viewInfo(page, 'view3d');
  expect(info.triangles).toBeGreaterThanOrEqual(shown);
});

it('rotates on drag and returns to the front view on Reset', async () => {
  const { page } = app;
  const before = await readView(page, 'view3d');
  const box = (await page.getByTestId('view3d-canvas').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + 160, cy + 40, { steps: 6 });
  await page.mouse.up();
  const rotated = await readView(page, 'view3d');
  expect(changedFractionRgb(before, rotated)).toBeGreaterThan(0.05);
  await shot(page, 'view3d-rotated');
  await page.getByTestId('view3d-reset').click();
  const reset = await readView(page, 'view3d');
  expect(changedFractionRgb(before, reset)).toBeLessThan(0.005);
  const still = await measureFrameMs(page, 'view3d', 12);
  const drag = await measureFrameMs(page, 'view3d', 12, true);
  console.log(
    `3D view (SwiftShader): full ${still.triangles} triangles ${still.meanMs.toFixed(1)} ms per frame; ` +
      `while dragging ${drag.triangles} triangles ${drag.meanMs.toFixed(1)} ms per frame`,
  );
  // While dragging, the coarse copy of the lungs is drawn.
  expect(drag.triangles).toBeLessThan(still.triangles / 2);
  expect(drag.meanMs).toBeLessThan(still.meanMs);
});

it('builds the crop around a point picked on the slice and shows it in the crop view', async () => {
  const { page } = app;
  await page.getByTestId('tab-axial').click();
  await page.getByTestId('mode-pick').click();
  const c = (await page.getByTestId('slice-canvas').boundingBox())!;
  const side = Math.min(c.width, c.height);
  // The right lung (patient's right = image left), 70 mm off the midline of a 350 mm field of view.
  await page.mouse.click(c.x + c.width / 2 - 0.2 * side, c.y + c.height / 2);
  await page.getByTestId('tab-3d').click();
  await page.getByTestId('crop-stats').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('crop-centre').innerText()).toMatch(/Centre voxel \(\d+, \d+, \d+\)/);
  // Centre it on a GK structure so there is certainly something to mesh.
  const before = await page.getByTestId('crop-stats').getAttribute('data-triangles');
  await page.getByTestId('crop-snap-gk').click();
  await page.waitForFunction((b) => document.querySelector('[data-testid=crop-stats]')?.getAttribute('data-triangles') !== b, before, { timeout: 30_000 }).catch(() => undefined);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=crop-stats]')?.getAttribute('data-triangles') ?? 0) > 0, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => (window.__lungview3d?.views.crop?.info().triangles ?? 0) > 0, undefined, { timeout: 10_000 });
  const crop = await readView(page, 'crop');
  expect(fraction(foreground(crop))).toBeGreaterThan(0.01);
  await shot(page, 'view3d-crop');
  // The crop view rotates too.
  const box = (await page.getByTestId('crop-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 30, { steps: 4 });
  await page.mouse.up();
  expect(changedFractionRgb(crop, await readView(page, 'crop'))).toBeGreaterThan(0.005);
});

it('downloads the full-resolution lung mesh as binary STL, the filled lung mask as NIfTI and the view as PNG', async () => {
  const { page } = app;
  const full = Number(await page.getByTestId('mesh-row-lung').getAttribute('data-triangles'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-lung-stl').click()]);
  expect(download.suggestedFilename()).toMatch(/^[A-Za-z0-9._-]+-lung-mesh\.stl$/);
  const bytes = await readFile((await download.path())!);
  expect(bytes.length).toBe(84 + 50 * full);
  expect(bytes.readUInt32LE(80)).toBe(full);
  // Facet normals are unit vectors (or zero for degenerate triangles), corners finite.
  for (const t of [0, Math.floor(full / 2), full - 1]) {
    const o = 84 + 50 * t;
    const n = [0, 1, 2].map((k) => bytes.readFloatLE(o + 4 * k));
    const len = Math.hypot(...n);
    expect(len === 0 || Math.abs(len - 1) < 1e-3).toBe(true);
    for (let k = 3; k < 12; k++) expect(Number.isFinite(bytes.readFloatLE(o + 4 * k))).toBe(true);
  }

  // The filled lung mask as NIfTI: gzip, a 348-byte NIfTI-1 header, the CT's grid, 0/1 voxels.
  const [nii] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-mask-fill').click()]);
  expect(nii.suggestedFilename()).toMatch(/-lung-mask-filled\.nii\.gz$/);
  const raw = gunzipSync(await readFile((await nii.path())!));
  expect(raw.readInt32LE(0)).toBe(348);
  expect(raw.subarray(344, 348).toString('latin1')).toBe('n+1\0');
  expect([1, 2, 3].map((k) => raw.readInt16LE(40 + 2 * k))).toEqual([512, 512, 120]);
  const voxels = raw.subarray(352);
  expect(voxels.length).toBe(512 * 512 * 120);
  let ones = 0;
  for (const v of voxels) ones += v;
  expect(ones).toBeGreaterThan(100_000);
  expect(voxels.every((v) => v <= 1)).toBe(true);

  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('view3d-png').click()]);
  expect(png.suggestedFilename()).toMatch(/-3d-view\.png$/);
  const pngBytes = await readFile((await png.path())!);
  expect(pngBytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
});

it('does not keep GPU geometries or textures of a previous series', async () => {
  const { page } = app;
  const first = await viewInfo(page, 'view3d');
  for (let k = 0; k < 2; k++) {
    await page.getByTestId('demo-button').click();
    await page.locator('[data-testid=analysis-status][data-phase=running]').waitFor({ timeout: 120_000 });
    await waitForLungView(page);
  }
  const after = await viewInfo(page, 'view3d');
  // Still the same view (and renderer) as before the loads.
  expect(after.frames).toBeGreaterThan(first.frames);
  console.log(`renderer memory: first ${first.geometries} geometries / ${first.textures} textures, after two new loads ${after.geometries} / ${after.textures}`);
  expect(after.textures).toBe(first.textures);
  // The picked-point marker may have been drawn before (one geometry, kept until the view closes).
  expect(after.geometries).toBeLessThanOrEqual(first.geometries);
  expect(after.geometries).toBeGreaterThanOrEqual(first.geometries - 1);
});

it('logged no errors and made no request to another origin', () => {
  expect(app.pageErrors).toEqual([]);
  expect(app.foreignRequests).toEqual([]);
});
