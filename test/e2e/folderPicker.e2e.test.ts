/**
 * The folder picker (<input type=file webkitdirectory>) with a real series
 * whose file names are random hashes and whose pixels outside the scan
 * circle are padding (stored -2000).
 */
import { expect, it } from 'vitest';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { readCanvas, screenshot, waitForFirstSlice, startAppForSuite } from './harness';
import { boxMean, brightBox, findChestRow } from './pixelStats';

describeWithRealData('loading a real CT folder with the folder picker', () => {
  const session = startAppForSuite();

  it('loads every file of the picked folder and opens the series sorted by position', async () => {
    const { page } = session.app;
    await page.getByTestId('folder-input').setInputFiles(seriesDir('dsb2017-00cba091'));
    const timing = await waitForFirstSlice(page);
    console.log(`pick -> first slice drawn: ${timing.toFixed(0)} ms (134 files, 70.4 MB)`);
    expect(await page.getByTestId('load-counts').innerText()).toMatch(/^134 \/ 134 files · 67 MB \/ 67 MB/);
    expect(await page.getByTestId('series-item').count()).toBe(1);
    expect(await page.getByTestId('meta-dims').innerText()).toBe('512 × 512 × 134');
    expect(await page.getByTestId('meta-spacing').innerText()).toBe('0.598 × 0.598 × 2.5 mm');
    // Slices are in position order, whatever the file names: slice 1 at the head (-23.7 mm) down to -356.2 mm.
    await page.getByTestId('slice-slider').fill('0');
    await expect.poll(() => page.getByTestId('slice-label').innerText()).toBe('Slice 1 / 134 · -23.7 mm');
    await page.getByTestId('slice-slider').fill('133');
    await expect.poll(() => page.getByTestId('slice-label').innerText()).toBe('Slice 134 / 134 · -356.2 mm');
    expect(await page.locator('[data-testid=skipped-files]').count()).toBe(0);
  });

  it('shows the padding outside the scan circle as air and the chest at the lung window', async () => {
    const { page } = session.app;
    // The series' own window (W400/L40) is the default; switch to the lung window.
    expect(await page.getByTestId('window-label').innerText()).toMatch(/W 400 \/ L 40\b/);
    await page.getByTestId('window-preset-lung').click();
    await expect.poll(() => page.getByTestId('window-label').innerText()).toMatch(/W 1500 \/ L -600/);
    await page.getByTestId('slice-slider').fill('80');
    await expect.poll(() => page.getByTestId('slice-label').innerText()).toMatch(/^Slice 81 \//);
    // Let the automatic analysis finish: its panels change the layout while it runs,
    // and a resized canvas is blank until the next frame draws it.
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
    await page.waitForTimeout(100);
    const pixels = await readCanvas(page);
    const box = brightBox(pixels);
    expect(box).not.toBeNull();
    // Padding outside the scan circle (stored -2000, -3024 HU) is shown as
    // air (-1024 HU -> grey 55 at the lung window), like the air inside the circle.
    const size = Math.round(0.06 * (box!.x1 - box!.x0));
    const corner = boxMean(pixels, { x0: box!.x0 + 1, y0: box!.y0 + 1, x1: box!.x0 + size, y1: box!.y0 + size });
    expect(corner).toBeGreaterThan(45);
    expect(corner).toBeLessThan(65);
    // The letterbox around the square image stays black.
    expect(boxMean(pixels, { x0: 0, y0: 0, x1: box!.x0 - 2, y1: pixels.height - 1 })).toBeLessThan(1);
    expect(findChestRow(pixels, box!, 130, 180)).toBeGreaterThan(0);
    await screenshot(page, 'picker-dsb2017');
  });

  it('made no request to another origin and logged no errors', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
