/**
 * A real chest CT folder dropped on the page (Chromium's own drag and drop),
 * then browsed: slices, window presets, skipped files, cursor readout.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import {
  changedFraction,
  dropPaths,
  launchBrowser,
  openApp,
  readCanvas,
  screenshot,
  startPreview,
  waitForFirstSlice,
  type AppPage,
  type PreviewServer,
} from './harness';
import { boxMean, brightBox, findChestRow } from './pixelStats';

describeWithRealData('dropping a real CT folder', () => {
  let server: PreviewServer;
  let browser: Browser;
  let app: AppPage;
  let dropDir: string;

  beforeAll(async () => {
    // The series in a nested folder, with a junk file next to it.
    dropDir = await mkdtemp(path.join(tmpdir(), 'lungview-drop-'));
    await mkdir(path.join(dropDir, 'patient', 'ct'), { recursive: true });
    await cp(seriesDir('lung-pet-ct-dx-a0001'), path.join(dropDir, 'patient', 'ct'), { recursive: true });
    await writeFile(path.join(dropDir, 'patient', 'notes.txt'), 'not a DICOM file\n');
    server = await startPreview();
    browser = await launchBrowser();
    app = await openApp(browser, server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dropDir) await rm(dropDir, { recursive: true, force: true });
  });

  it('loads the dropped folder, opens its series and draws a slice', async () => {
    const { page } = app;
    await dropPaths(page, 'drop-zone', [path.join(dropDir, 'patient')]);
    const firstSliceMs = await waitForFirstSlice(page);
    console.log(`drop -> first slice drawn: ${firstSliceMs.toFixed(0)} ms (64 files, 33.8 MB)`);
    expect(firstSliceMs).toBeGreaterThan(0);

    await expect.poll(() => page.getByTestId('load-counts').innerText()).toMatch(/^65 \/ 65 files/);
    const items = page.getByTestId('series-item');
    await expect.poll(() => items.count()).toBe(1);
    expect(await items.first().innerText()).toMatch(/64 slices/);
    expect(await page.getByTestId('meta-dims').innerText()).toBe('512 × 512 × 64');
    expect(await page.getByTestId('meta-spacing').innerText()).toBe('0.842 × 0.842 × 5 mm');
    // Head-first supine axial: radiological convention.
    const letters = await Promise.all(['left', 'right', 'top', 'bottom'].map((e) => page.getByTestId(`orientation-${e}`).innerText()));
    expect(letters).toEqual(['R', 'L', 'A', 'P']);
    await screenshot(page, 'drop-loaded');
  });

  it('shows a chest at the lung window: dark lungs inside a bright body, black letterbox', async () => {
    const { page } = app;
    await page.getByTestId('window-preset-lung').click();
    await expect.poll(() => page.getByTestId('window-label').innerText()).toMatch(/W 1500 \/ L -600/);
    await page.waitForTimeout(100);
    const pixels = await readCanvas(page);
    const box = brightBox(pixels);
    expect(box).not.toBeNull();
    // The image is square in mm, drawn centred: letterbox columns left and right stay black.
    const leftBand = { x0: 0, y0: 0, x1: Math.max(0, box!.x0 - 2), y1: pixels.height - 1 };
    expect(box!.x0).toBeGreaterThan(20);
    expect(boxMean(pixels, leftBand)).toBeLessThan(1);
    const w = box!.x1 - box!.x0;
    const h = box!.y1 - box!.y0;
    expect(w / h).toBeCloseTo(1, 1);
    // Lung window: lung parenchyma (~-850 HU) ≈ grey 85, tissue (40 HU) ≈ 236.
    const row = findChestRow(pixels, box!, 130, 180);
    expect(row).toBeGreaterThan(0);
    await screenshot(page, 'drop-lung-window');
  });

  it('moves through slices with the slider, the wheel and the keyboard', async () => {
    const { page } = app;
    const label = page.getByTestId('slice-label');
    const before = await label.innerText();
    // Slice 1 is the most cranial (-124 mm), slice 64 the lowest (-439 mm); the middle one opens.
    expect(before).toMatch(/^Slice 33 \/ 64 · -284 mm$/);
    const pixBefore = await readCanvas(page);

    await page.getByTestId('slice-slider').fill('50');
    await expect.poll(() => label.innerText()).toMatch(/^Slice 51 \/ 64 · -374 mm$/);
    await page.waitForTimeout(100);
    const pixAfter = await readCanvas(page);
    expect(changedFraction(pixBefore, pixAfter)).toBeGreaterThan(0.05);

    const canvas = page.getByTestId('slice-canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 100);
    await expect.poll(() => label.innerText()).toMatch(/^Slice 52 \/ 64/);
    await page.mouse.wheel(0, -100);
    await page.mouse.wheel(0, -100);
    await expect.poll(() => label.innerText()).toMatch(/^Slice 50 \/ 64/);

    await canvas.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => label.innerText()).toMatch(/^Slice 1 \/ 64 · -124 mm$/);
    await page.keyboard.press('End');
    await expect.poll(() => label.innerText()).toMatch(/^Slice 64 \/ 64 · -439 mm$/);
    await page.keyboard.press('PageUp');
    await expect.poll(() => label.innerText()).toMatch(/^Slice 58 \/ 64/);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => label.innerText()).toMatch(/^Slice 57 \/ 64/);
    await page.getByTestId('slice-slider').fill('31');
    await expect.poll(() => label.innerText()).toMatch(/^Slice 32 \/ 64/);
  });

  it('changes the picture with window presets; the mediastinal window shows lungs and outside air black', async () => {
    const { page } = app;
    await page.getByTestId('window-preset-lung').click();
    await page.waitForTimeout(100);
    const lung = await readCanvas(page);
    await page.getByTestId('window-preset-mediastinum').click();
    await expect.poll(() => page.getByTestId('window-label').innerText()).toMatch(/W 350 \/ L 40/);
    await page.waitForTimeout(100);
    const med = await readCanvas(page);
    expect(changedFraction(lung, med)).toBeGreaterThan(0.2);
    // Air outside the body is black now: the image's top corners.
    const box = brightBox(lung)!;
    const corner = { x0: box.x0 + 2, y0: box.y0 + 2, x1: box.x0 + 30, y1: box.y0 + 30 };
    expect(boxMean(med, corner)).toBeLessThan(3);
    expect(boxMean(lung, corner)).toBeGreaterThan(20);
    await screenshot(page, 'drop-mediastinum-window');
  });

  it('changes window/level by dragging on the image', async () => {
    const { page } = app;
    const label = page.getByTestId('window-label');
    const before = await label.innerText();
    const box = (await page.getByTestId('slice-canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(cx + 80, cy + 20, { steps: 4 });
    await page.mouse.up({ button: 'right' });
    await expect.poll(() => label.innerText()).not.toBe(before);
    expect(await label.innerText()).toMatch(/W 4\d\d \/ L [4-9]\d/);
  });

  it('shows the HU value and patient position under the cursor', async () => {
    const { page } = app;
    const box = (await page.getByTestId('slice-canvas').boundingBox())!;
    // Near the image's left edge, half-way down: air outside the body (about -1000 HU).
    await page.getByTestId('window-preset-lung').click();
    await page.waitForTimeout(100);
    const img = brightBox(await readCanvas(page))!;
    await page.mouse.move(box.x + img.x0 + 8, box.y + box.height / 2);
    const text = await page.getByTestId('cursor-readout').innerText();
    const m = /(-?\d+) HU at \((\d+), (\d+)\) · slice (\d+)/.exec(text);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(-900);
    expect(Number(m![2])).toBeLessThan(15);
    expect(text).toMatch(/mm \(LPS\)/);
  });

  it('lists the junk file as skipped with a reason', async () => {
    const { page } = app;
    const skipped = page.getByTestId('skipped-files');
    await skipped.locator('summary').click();
    const items = skipped.getByTestId('skipped-item');
    await expect.poll(() => items.count()).toBe(1);
    const text = await items.first().innerText();
    expect(text).toContain('patient/notes.txt');
    expect(text.replace('patient/notes.txt', '').trim().length).toBeGreaterThan(5);
    await screenshot(page, 'drop-skipped');
  });

  it('hides patient identifiers until asked', async () => {
    const { page } = app;
    const panel = page.getByTestId('metadata-panel');
    expect(await panel.innerText()).not.toMatch(/Lung_Dx-A0001/);
    await page.getByTestId('show-patient-ids').check();
    await expect.poll(() => page.getByTestId('patient-ids').innerText()).toMatch(/Lung_Dx-A0001/);
  });

  it('zooms with the buttons and Ctrl+wheel, pans in pan mode, and resets', async () => {
    const { page } = app;
    await page.getByTestId('window-preset-lung').click();
    await page.waitForTimeout(100);
    const fit = brightBox(await readCanvas(page))!;
    await page.getByTestId('zoom-in').click();
    await expect.poll(() => page.getByTestId('zoom-value').innerText()).toBe('125 %');
    await page.waitForTimeout(100);
    // Zoomed about the centre: the image overflows the canvas height now.
    const zoomed = brightBox(await readCanvas(page))!;
    expect(zoomed.x1 - zoomed.x0).toBeGreaterThan(1.2 * (fit.x1 - fit.x0));

    const box = (await page.getByTestId('slice-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -200);
    await page.keyboard.up('Control');
    await expect.poll(async () => parseInt(await page.getByTestId('zoom-value').innerText(), 10)).toBeGreaterThan(125);
    await page.getByTestId('reset-view').click();
    await expect.poll(() => page.getByTestId('zoom-value').innerText()).toBe('100 %');

    await page.getByTestId('mode-pan').click();
    const label = await page.getByTestId('window-label').innerText();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 3 });
    await page.mouse.up();
    await page.waitForTimeout(100);
    const panned = brightBox(await readCanvas(page))!;
    expect(panned.x0 - fit.x0).toBeGreaterThan(50);
    expect(panned.x0 - fit.x0).toBeLessThan(70);
    // Panning does not touch the window.
    expect(await page.getByTestId('window-label').innerText()).toBe(label);
    await screenshot(page, 'drop-panned');
    await page.getByTestId('reset-view').click();
    await page.getByTestId('mode-window').click();
    await page.waitForTimeout(100);
    expect(brightBox(await readCanvas(page))).toEqual(fit);
  });

  it('made no request to another origin and logged no errors', () => {
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });

  it('says clearly when nothing readable was dropped', async () => {
    const third = await openApp(browser, server.url);
    try {
      await dropPaths(third.page, 'drop-zone', [path.join(dropDir, 'patient', 'notes.txt')]);
      await third.page.locator('[data-testid=load-progress][data-phase=done]').waitFor();
      expect(await third.page.getByTestId('error-banner').innerText()).toMatch(/No readable image series found: all 1 file was skipped/);
      expect(await third.page.getByTestId('series-item').count()).toBe(0);
    } finally {
      await third.context.close();
    }
  });

  it('takes two folders and a loose file dropped at once; the larger CT opens, a click opens the other', async () => {
    const second = await openApp(browser, server.url);
    try {
      const { page } = second;
      await dropPaths(page, 'drop-zone-large', [
        path.join(dropDir, 'patient', 'ct'),
        seriesDir('dsb2017-00cba091'),
        path.join(dropDir, 'patient', 'notes.txt'),
      ]);
      await waitForFirstSlice(page);
      expect(await page.getByTestId('load-counts').innerText()).toMatch(/^199 \/ 199 files/);
      const items = page.getByTestId('series-item');
      expect(await items.count()).toBe(2);
      // Largest CT first and open: dsb2017 (134 slices).
      expect(await items.nth(0).innerText()).toMatch(/134 slices/);
      expect(await items.nth(0).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('slice-label').innerText()).toMatch(/^Slice 68 \/ 134/);
      const before = await readCanvas(page);
      await items.nth(1).click();
      await expect.poll(() => page.getByTestId('slice-label').innerText()).toMatch(/^Slice 33 \/ 64 · -284 mm$/);
      expect(await items.nth(1).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('meta-dims').innerText()).toBe('512 × 512 × 64');
      await page.waitForTimeout(100);
      // Another chest: a sixth of the canvas or more changes (0 if the picture stayed; the share depends on the canvas's height).
      expect(changedFraction(before, await readCanvas(page))).toBeGreaterThan(0.15);
      await page.getByTestId('skipped-files').locator('summary').click();
      expect(await page.getByTestId('skipped-item').innerText()).toMatch(/^notes\.txt/);
      await screenshot(page, 'drop-two-series');
      expect(second.foreignRequests).toEqual([]);
      expect(second.pageErrors).toEqual([]);
    } finally {
      await second.context.close();
    }
  });
});
