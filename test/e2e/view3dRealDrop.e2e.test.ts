/**
 * The 3D view with a real series dropped as a folder: cptac-lscc-c3n-00247
 * is dropped, analysed, its lungs drawn in 3D and rotated; a point picked on
 * the slice gives a crop surface; the STL download has the full mesh's
 * triangle count; dropping a second real series leaves no GPU resources of
 * the first behind.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { dropPaths, startAppForSuite, waitForFirstSlice } from './harness';
import { changedFractionRgb, foreground, fraction, readView, requireTestHook, viewInfo } from './view3dHelpers';

/** Drops a folder and waits until the analysis is done and the 3D view shows the lungs. */
async function dropAndWaitFor3d(page: Page, dir: string): Promise<void> {
  await dropPaths(page, 'drop-zone', [dir]);
  await waitForFirstSlice(page);
  await page.locator('[data-testid=analysis-status][data-phase=running]').waitFor({ timeout: 60_000 }).catch(() => undefined);
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
  await page.getByTestId('tab-3d').click();
  await page.getByTestId('mesh-row-lung').waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 1000, undefined, { timeout: 30_000 });
}

describeWithRealData('3D view of a dropped real CT folder', () => {
  beforeAll(requireTestHook);
  const session = startAppForSuite();

  it('draws the lungs of the dropped series and rotates them on drag', async () => {
    const { page } = session.app;
    // Modest drawn meshes for the software GPU; exports make the full surface again from the mask.
    await page.locator('.param-more summary').click();
    await page.getByTestId('analysis-mesh-maxtri').fill('60000');
    await dropAndWaitFor3d(page, seriesDir('cptac-lscc-c3n-00247'));
    const front = await readView(page, 'view3d');
    expect(fraction(foreground(front))).toBeGreaterThan(0.05);
    const box = (await page.getByTestId('view3d-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2 + 30, { steps: 6 });
    await page.mouse.up();
    expect(changedFractionRgb(front, await readView(page, 'view3d'))).toBeGreaterThan(0.05);
  });

  it('shows the crop view after a point is picked on the slice', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-axial').click();
    await page.getByTestId('mode-pick').click();
    const c = (await page.getByTestId('slice-canvas').boundingBox())!;
    await page.mouse.click(c.x + c.width / 2 - 0.2 * Math.min(c.width, c.height), c.y + c.height / 2);
    await page.getByTestId('tab-3d').click();
    await page.getByTestId('crop-stats').waitFor({ timeout: 30_000 });
    await page.getByTestId('crop-snap-gk').click();
    await page.waitForFunction(() => (window.__lungview3d?.views.crop?.info().triangles ?? 0) > 0, undefined, { timeout: 30_000 });
    // The crop's first frames may precede its fitted camera: wait for the structure to fill a part of the view.
    await expect.poll(async () => fraction(foreground(await readView(page, 'crop'))), { timeout: 10_000 }).toBeGreaterThan(0.005);
  });

  it('downloads the lung mesh as binary STL with the full mesh triangle count', async () => {
    const { page } = session.app;
    const full = Number(await page.getByTestId('mesh-row-lung').getAttribute('data-triangles'));
    // The full-resolution surface of a real lung mask, far more than is drawn.
    expect(full).toBeGreaterThan(1_000_000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-lung-stl').click()]);
    const bytes = await readFile((await download.path())!);
    expect(bytes.readUInt32LE(80)).toBe(full);
    expect(bytes.length).toBe(84 + 50 * full);
  });

  it('keeps renderer memory flat when a second series is dropped', async () => {
    const { page } = session.app;
    const first = await viewInfo(page, 'view3d');
    const firstTriangles = await page.getByTestId('mesh-row-lung').getAttribute('data-triangles');
    await dropAndWaitFor3d(page, seriesDir('lung-pet-ct-dx-a0001'));
    // The lung mesh now is the second series' (a different surface).
    await page.waitForFunction(
      (t) => {
        const now = document.querySelector('[data-testid=mesh-row-lung]')?.getAttribute('data-triangles');
        return now != null && now !== t;
      },
      firstTriangles,
      { timeout: 240_000 },
    );
    await page.waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 1000, undefined, { timeout: 30_000 });
    const after = await viewInfo(page, 'view3d');
    expect(after.frames).toBeGreaterThan(first.frames);
    expect(after.textures).toBe(first.textures);
    // The picked-point marker of the first series is gone with it.
    expect(after.geometries).toBeLessThanOrEqual(first.geometries);
    expect(after.geometries).toBeGreaterThanOrEqual(first.geometries - 1);
  });

  it('logged no errors and made no request to another origin', () => {
    expect(session.app.pageErrors).toEqual([]);
    expect(session.app.foreignRequests).toEqual([]);
  });
});
