/**
 * The slice views' tools on the demo phantom, as a user drives them: the
 * left button's tool (crosshair vs window/level), measurements (ruler,
 * ellipse ROI, bidirectional: drawn, edited by a handle, deleted; values
 * checked against the core functions on the same voxels, rebuilt here from
 * the same phantom files), PNG captures, the thick-slab MIP and cine.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { buildSeries } from '../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../src/core/dicom/types';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { ellipseOfCornersUv, ellipseRoiStatsHu, segmentLengthMm, type PointUv } from '../../src/core/measure/planeMeasure';
import type { Volume } from '../../src/core/volume/volume';
import { extractSlice } from '../../src/viewer2d/renderSlice';
import { slabMip, slabSliceCount } from '../../src/viewer2d/slab';
import { readCanvasRgba, screenshot, startAppForSuite, waitForFirstSlice } from './harness';

const session = startAppForSuite();

/** The demo scan as the page builds it (loadActions.ts), parsed by the core. */
function demoVolume(): Volume {
  const ph = makePhantomSeries({ size: 512, slices: 120, thicknessMm: 2.5, seed: 1, withLabels: false, withVolume: false });
  const decoded: DecodedSlice[] = [];
  for (const f of ph.files) {
    const r = parseDicomFile(f.bytes, f.name);
    if (!r.ok) throw new Error(r.skipped.reason);
    decoded.push(...r.slices);
  }
  return buildSeries(decoded)[0].volume;
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

interface Placed {
  /** Canvas box in page px. */
  x: number;
  y: number;
  t: [number, number, number, number];
}

async function placed(page: Page, testId: string): Promise<Placed> {
  const c = page.getByTestId(testId);
  const box = (await c.boundingBox())!;
  const t = (await c.getAttribute('data-view-transform'))!.split(',').map(Number) as Placed['t'];
  return { x: box.x, y: box.y, t };
}

/** A page point on whole pixels near image point `uv`, and the image point it really is (as the page computes it). */
function at(p: Placed, uv: PointUv): { px: number; py: number; uv: PointUv } {
  const [sx, sy, ox, oy] = p.t;
  const px = Math.round(p.x + sx * uv[0] + ox);
  const py = Math.round(p.y + sy * uv[1] + oy);
  return { px, py, uv: [(px - p.x - ox) / sx, (py - p.y - oy) / sy] };
}

async function drag(page: Page, a: { px: number; py: number }, b: { px: number; py: number }, button: 'left' | 'right' = 'left'): Promise<void> {
  await page.mouse.move(a.px, a.py);
  await page.mouse.down({ button });
  await page.mouse.move(b.px, b.py, { steps: 5 });
  await page.mouse.up({ button });
  await settle(page);
}

/** RGBA of the canvas pixel under page point (px, py). */
function pixelAt(img: { width: number; rgba: Uint8Array }, p: Placed, px: number, py: number): [number, number, number] {
  const i = (Math.floor(py - p.y) * img.width + Math.floor(px - p.x)) * 4;
  return [img.rgba[i], img.rgba[i + 1], img.rgba[i + 2]];
}

let volume: Volume;
beforeAll(async () => {
  volume = demoVolume();
  const { page } = session.app;
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('demo-button').click();
  await waitForFirstSlice(page);
  await page.getByTestId('window-preset-lung').click();
  await settle(page);
}, 180_000);

describe('slice view tools on the demo phantom', () => {

  it('separates the tools: W/L mode drags the window and leaves the crosshair; crosshair mode moves it and leaves the window', async () => {
    const { page } = session.app;
    expect(await page.getByTestId('mode-crosshair').getAttribute('aria-pressed')).toBe('true');
    const p = await placed(page, 'slice-canvas');
    await page.getByTestId('mode-window').click();
    const label = await page.getByTestId('window-label').innerText();
    const a = at(p, [200.5, 150.5]);
    const b = at(p, [300.5, 190.5]);
    await drag(page, a, b);
    const dragged = await page.getByTestId('window-label').innerText();
    expect(dragged).not.toBe(label);
    // A click in W/L mode does not move the crosshair (the coronal view keeps its slice).
    await page.mouse.click(b.px, b.py);
    await page.getByTestId('tab-mpr').click();
    await settle(page);
    const coronal0 = Number(await page.getByTestId('slice-canvas-coronal').getAttribute('data-drawn-slice'));
    // The crosshair a series opens with: the middle row.
    expect(coronal0).toBe(256);
    await page.getByTestId('tab-axial').click();
    await settle(page);
    await page.getByTestId('mode-crosshair').click();
    await drag(page, a, b);
    expect(await page.getByTestId('window-label').innerText()).toBe(dragged);
    await page.getByTestId('tab-mpr').click();
    await settle(page);
    expect(Number(await page.getByTestId('slice-canvas-coronal').getAttribute('data-drawn-slice'))).toBe(Math.floor(b.uv[1]));
    expect(Number(await page.getByTestId('slice-canvas-sagittal').getAttribute('data-drawn-slice'))).toBe(Math.floor(b.uv[0]));
    await page.getByTestId('tab-axial').click();
    await page.getByTestId('window-preset-lung').click();
    await settle(page);
  });

  it('measures a ruler in mm, drags its end, and deletes it', async () => {
    const { page } = session.app;
    await page.getByTestId('mode-ruler').click();
    const p = await placed(page, 'slice-canvas');
    const spacing: [number, number] = [volume.spacingMmXyz[0], volume.spacingMmXyz[1]];
    const a = at(p, [120.5, 300.5]);
    const b = at(p, [320.5, 360.5]);
    await drag(page, a, b);
    const item = page.getByTestId('measurement-item');
    expect(await item.count()).toBe(1);
    const want = segmentLengthMm(a.uv, b.uv, spacing);
    expect(await page.getByTestId('measurement-length-mm').innerText()).toBe(`${want.toFixed(1)} mm`);
    // The segment is drawn on the image (selected colour) between the ends.
    const img = await readCanvasRgba(page);
    const mid = pixelAt(img, p, (a.px + b.px) / 2, (a.py + b.py) / 2);
    expect(mid[1]).toBeGreaterThan(200);
    expect(mid[0]).toBeLessThan(160);
    await screenshot(page, 'tools-ruler-1440x900');
    // Drag the second end's handle further.
    const c = at(p, [420.5, 360.5]);
    await drag(page, b, c);
    expect(await item.count()).toBe(1);
    expect(await page.getByTestId('measurement-length-mm').innerText()).toBe(`${segmentLengthMm(a.uv, c.uv, spacing).toFixed(1)} mm`);
    // The densitometry report carries it (JSON measurements, in LPS mm with its value).
    await page.getByTestId('report-json').waitFor({ timeout: 120_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-json').click()]);
    const report = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(report.densitometry).toBeTruthy();
    expect(report.measurements).toHaveLength(1);
    expect(report.measurements[0]).toMatchObject({ number: 1, kind: 'ruler', view: 'axial' });
    expect(report.measurements[0].pointsLps).toHaveLength(2);
    expect(report.measurements[0].values.lengthMm).toBeCloseTo(segmentLengthMm(a.uv, c.uv, spacing), 6);
    await page.getByTestId('measurement-delete').click();
    await settle(page);
    expect(await item.count()).toBe(0);
    const after = pixelAt(await readCanvasRgba(page), p, (a.px + b.px) / 2, (a.py + b.py) / 2);
    expect(after[0] === after[1] && after[1] === after[2]).toBe(true);
  });

  it('measures an ellipse ROI: the mean, SD, min and max HU are the core function on the same voxels', async () => {
    const { page } = session.app;
    await page.getByTestId('mode-ellipse').click();
    const p = await placed(page, 'slice-canvas');
    const z = Number(await page.getByTestId('slice-canvas').getAttribute('data-drawn-slice'));
    const a = at(p, [140.3, 180.7]);
    const b = at(p, [236.6, 262.2]);
    await drag(page, a, b);
    const slice = extractSlice(volume, 'axial', z);
    const want = ellipseRoiStatsHu(slice.data, slice.width, slice.height, ellipseOfCornersUv(a.uv, b.uv));
    expect(want.pixels).toBeGreaterThan(1000);
    expect(await page.getByTestId('measurement-mean-hu').innerText()).toBe(`${want.meanHu!.toFixed(2).replace('-', '−')} HU`);
    expect(await page.getByTestId('measurement-sd-hu').innerText()).toBe(`${want.sdHu!.toFixed(2)} HU`);
    expect(await page.getByTestId('measurement-min-hu').innerText()).toBe(`${want.minHu!.toFixed(0).replace('-', '−')} HU`);
    expect(await page.getByTestId('measurement-max-hu').innerText()).toBe(`${want.maxHu!.toFixed(0).replace('-', '−')} HU`);
    await screenshot(page, 'tools-ellipse-1440x900');
  });

  it('measures a bidirectional long and short axis on the coronal view with its own spacing', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-coronal').click();
    await settle(page);
    await page.getByTestId('mode-bidirectional').click();
    const p = await placed(page, 'slice-canvas-coronal');
    const spacing: [number, number] = [volume.spacingMmXyz[0], volume.spacingMmXyz[2]];
    const a = at(p, [150.5, 40.5]);
    const b = at(p, [330.5, 80.5]);
    await drag(page, a, b);
    const longMm = segmentLengthMm(a.uv, b.uv, spacing);
    expect(await page.getByTestId('measurement-long-mm').last().innerText()).toBe(`${longMm.toFixed(1)} mm`);
    expect(await page.getByTestId('measurement-short-mm').last().innerText()).toBe(`${(longMm / 2).toFixed(1)} mm`);
    await screenshot(page, 'tools-bidirectional-coronal-1440x900');
    await page.getByTestId('tab-axial').click();
    await page.getByTestId('mode-crosshair').click();
    await settle(page);
  });
});

/** Decodes a PNG file in the page and compares it with a canvas there: its size and how many pixels differ. */
async function comparePng(page: Page, png: Buffer, testId: string): Promise<{ width: number; height: number; canvasWidth: number; canvasHeight: number; differing: number }> {
  return page.evaluate(
    async ({ b64, testId }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const c = document.querySelector<HTMLCanvasElement>(`[data-testid=${testId}]`)!;
      const off = new OffscreenCanvas(bmp.width, bmp.height);
      const octx = off.getContext('2d')!;
      octx.drawImage(bmp, 0, 0);
      let differing = 0;
      if (bmp.width === c.width && bmp.height === c.height) {
        const a = octx.getImageData(0, 0, bmp.width, bmp.height).data;
        const b = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) differing++;
      }
      return { width: bmp.width, height: bmp.height, canvasWidth: c.width, canvasHeight: c.height, differing };
    },
    { b64: png.toString('base64'), testId },
  );
}

async function savePng(page: Page): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('capture-png').click()]);
  expect(download.suggestedFilename()).toMatch(/-axial-view\.png$/);
  return readFile((await download.path())!);
}

describe('captures, thick slab and cine', () => {

  it('saves the axial view as a PNG: at screen size its pixels are the canvas; 2× and 1024 px have those sizes; measurements on or off', async () => {
    const { page } = session.app;
    await page.getByTestId('tab-axial').click();
    await page.getByTestId('mode-ruler').click();
    const p = await placed(page, 'slice-canvas');
    await drag(page, at(p, [100.5, 420.5]), at(p, [300.5, 440.5]));
    await page.getByTestId('mode-crosshair').click();
    await settle(page);
    await page.getByTestId('capture-options').click();
    const same = await comparePng(page, await savePng(page), 'slice-canvas');
    expect([same.width, same.height]).toEqual([same.canvasWidth, same.canvasHeight]);
    // The strokes' anti-aliasing may differ between the on-screen and the off-screen canvas, nothing else.
    expect(same.differing).toBeLessThan(0.002 * same.width * same.height);
    await page.getByTestId('capture-annotations').uncheck();
    const bare = await comparePng(page, await savePng(page), 'slice-canvas');
    expect(bare.differing).toBeGreaterThan(same.differing + 500);
    await page.getByTestId('capture-annotations').check();
    await page.getByTestId('capture-size').selectOption('2x');
    const twice = await comparePng(page, await savePng(page), 'slice-canvas');
    // Twice the CSS size, rounded (the CSS size may end in half a pixel).
    expect(Math.abs(twice.width - 2 * same.canvasWidth)).toBeLessThanOrEqual(1);
    expect(Math.abs(twice.height - 2 * same.canvasHeight)).toBeLessThanOrEqual(1);
    await page.getByTestId('capture-size').selectOption('1024');
    const k = await comparePng(page, await savePng(page), 'slice-canvas');
    expect(Math.max(k.width, k.height)).toBe(1024);
    expect(k.width / k.height).toBeCloseTo(same.canvasWidth / same.canvasHeight, 2);
    await page.getByTestId('capture-size').selectOption('screen');
    await screenshot(page, 'tools-capture-1440x900');
    await page.getByTestId('capture-options').click();
    // Without strokes (no measurement, crosshair hidden) the PNG is the canvas, pixel for pixel, overlays included.
    await page.getByTestId('measurements-clear').click();
    await page.keyboard.press('c');
    await settle(page);
    const exact = await comparePng(page, await savePng(page), 'slice-canvas');
    expect(exact.differing).toBe(0);
    await page.keyboard.press('c');
    await settle(page);
  });

  it('brightens a vessel pixel with a 20 mm MIP slab, and back with the slab off', async () => {
    const { page } = session.app;
    const z = Number(await page.getByTestId('slice-canvas').getAttribute('data-drawn-slice'));
    const single = extractSlice(volume, 'axial', z).data.slice();
    const count = slabSliceCount(volume.spacingMmXyz[2], 20);
    const mip = slabMip(volume, 'axial', z, count).data;
    // The pixel the slab lifts most from lung to vessel.
    let best = -1;
    for (let i = 0; i < mip.length; i++) if (single[i] < -500 && (best < 0 || mip[i] - single[i] > mip[best] - single[best])) best = i;
    expect(mip[best]).toBeGreaterThan(-300);
    const u = best % volume.nx;
    const v = Math.floor(best / volume.nx);
    const p = await placed(page, 'slice-canvas');
    const q = at(p, [u + 0.5, v + 0.5]);
    const sum = (c: [number, number, number]) => c[0] + c[1] + c[2];
    const before = sum(pixelAt(await readCanvasRgba(page), p, q.px, q.py));
    await page.getByTestId('slab-select').selectOption('20');
    await settle(page);
    expect(await page.getByTestId('slice-canvas').getAttribute('data-slab-slices')).toBe(String(count));
    expect(await page.getByTestId('slab-label-axial').innerText()).toBe('MIP 20 mm');
    console.log(`axial picture with a ${count}-slice MIP: ${await page.getByTestId('slice-canvas').getAttribute('data-render-ms')} ms (window, overlays and upload)`);
    const lifted = sum(pixelAt(await readCanvasRgba(page), p, q.px, q.py));
    expect(lifted).toBeGreaterThan(before + 60);
    await screenshot(page, 'tools-mip-1440x900');
    await page.getByTestId('slab-select').selectOption('0');
    await settle(page);
    expect(sum(pixelAt(await readCanvasRgba(page), p, q.px, q.py))).toBe(before);
  });

  it('plays cine through the slices and pauses', async () => {
    const { page } = session.app;
    const canvas = page.getByTestId('slice-canvas');
    // Slice numbers as the viewer shows them (1 at the head; cine plays towards the feet, as the wheel does).
    const shownNumber = async () => Number(/^Slice (\d+)/.exec(await page.getByTestId('slice-label').innerText())?.[1]);
    const start = await shownNumber();
    await page.getByTestId('cine-fps').selectOption('10');
    const t0 = Date.now();
    await page.getByTestId('cine-play').click();
    await page.waitForTimeout(1000);
    await page.getByTestId('cine-play').click();
    const elapsedMs = Date.now() - t0;
    await settle(page);
    const stopped = await shownNumber();
    const stoppedIndex = Number(await canvas.getAttribute('data-drawn-slice'));
    const advanced = (stopped - start + 120) % 120;
    // About 10 slices a second: at least a few, never more than the time allows.
    expect(advanced).toBeGreaterThanOrEqual(4);
    expect(advanced).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 1);
    await page.waitForTimeout(400);
    expect(Number(await canvas.getAttribute('data-drawn-slice'))).toBe(stoppedIndex);
  });

  it('shows the tools at 1280×720 and 1024×768', async () => {
    const { page } = session.app;
    for (const [w, h] of [[1280, 720], [1024, 768]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('mode-ellipse').click();
      await settle(page);
      const p = await placed(page, 'slice-canvas');
      await drag(page, at(p, [150.5, 180.5]), at(p, [230.5, 250.5]));
      await page.getByTestId('tab-mpr').click();
      await settle(page);
      await screenshot(page, `tools-grid-${w}x${h}`);
      await page.getByTestId('tab-axial').click();
      await settle(page);
      await screenshot(page, `tools-axial-${w}x${h}`);
      await page.getByTestId('measurements-clear').click();
    }
    await page.getByTestId('mode-crosshair').click();
  });

  it('made no request to another origin and logged no errors', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
