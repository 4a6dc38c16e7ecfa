/**
 * Conventions and clarity, with a real chest CT dropped as a folder: slice
 * numbers and scrolling as radiology viewers have them (slice 1 at the head,
 * wheel down towards the feet), where GK ran on every view (the whole lung
 * by default; the tutorial's slab outlined and labelled on the coronal
 * view), triangle edges on large meshes, plain words with units and
 * tooltips, the series' folder in the list, and a layout without sideways
 * scrolling, legible side text and a wide 3D view at 1280×720 and 1024×768.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { dropPaths, readCanvasRgba, screenshot, startAppForSuite, waitForFirstSlice } from './harness';
import { changedFractionRgb, readView, requireTestHook } from './view3dHelpers';

const SERIES = 'lung-pet-ct-dx-a0001';
/** A second series whose lung split leaves small pieces (a note about them in the measurements). */
const SECOND = 'cptac-lscc-c3n-00247';

/** Slice number and position (mm) of the axial slider's label, e.g. "Slice 2 / 64 · -129 mm". */
async function sliceLabel(page: Page): Promise<{ n: number; mm: number }> {
  const m = /^Slice (\d+) \/ \d+ · (-?[\d.]+) mm$/.exec(await page.getByTestId('slice-label').innerText());
  if (!m) throw new Error('unexpected slice label');
  return { n: Number(m[1]), mm: Number(m[2]) };
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function analysisDone(page: Page): Promise<void> {
  await page.locator('[data-testid=analysis-status][data-phase=running]').waitFor({ timeout: 60_000 }).catch(() => undefined);
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
}

/** Rows of the canvas where at least `minFraction` of the pixels have the GK overlay's colour (#ffd21f). */
function gkColouredRows(px: { width: number; height: number; rgba: Uint8Array }, minFraction: number): number {
  let rows = 0;
  for (let y = 0; y < px.height; y++) {
    let n = 0;
    for (let x = 0; x < px.width; x++) {
      const i = 4 * (x + y * px.width);
      if (Math.abs(px.rgba[i] - 255) < 30 && Math.abs(px.rgba[i + 1] - 210) < 40 && px.rgba[i + 2] < 100) n++;
    }
    if (n >= minFraction * px.width) rows++;
  }
  return rows;
}

describeWithRealData('conventions and clarity', () => {
  const session = startAppForSuite();

  it('lists the series with its folder name and series number', async () => {
    const { page } = session.app;
    requireTestHook();
    // Above the edge limit (200k), so the lungs' edges must come from the coarse copy.
    await page.locator('.param-more summary').click();
    await page.getByTestId('analysis-mesh-maxtri').fill('250000');
    await dropPaths(page, 'drop-zone', [seriesDir(SERIES)]);
    await waitForFirstSlice(page);
    const origin = await page.getByTestId('series-origin').innerText();
    expect(origin).toContain(SERIES);
    expect(origin).toMatch(/series #\d+/);
    await analysisDone(page);
  });

  it('numbers axial slices from the head: slice 1 is the most cranial, wheel down and ↓ go towards the feet', async () => {
    const { page } = session.app;
    await page.getByTestId('slice-canvas').click();
    await page.keyboard.press('Home');
    await expect.poll(async () => (await sliceLabel(page)).n).toBe(1);
    const first = await sliceLabel(page);
    await page.keyboard.press('End');
    await expect.poll(async () => (await sliceLabel(page)).n).toBe(64);
    // Slice 1 is the highest patient z (head), the last the lowest.
    expect(first.mm).toBeGreaterThan((await sliceLabel(page)).mm);
    await page.keyboard.press('Home');
    const box = (await page.getByTestId('slice-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 100);
    await expect.poll(async () => (await sliceLabel(page)).n).toBe(2);
    expect((await sliceLabel(page)).mm).toBeLessThan(first.mm);
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await sliceLabel(page)).n).toBe(3);
    await page.mouse.wheel(0, -100);
    await expect.poll(async () => (await sliceLabel(page)).n).toBe(2);
    // The slider runs the same way: slice 1 at its left end.
    expect(await page.getByTestId('slice-slider').inputValue()).toBe('1');
    expect(await page.getByTestId('slice-label').getAttribute('title')).toMatch(/Slice 1 is the most cranial/);
  });

  it('runs GK on the whole lung by default and says so; the tutorial slab is outlined and labelled on the coronal view and in 3D', async () => {
    const { page } = session.app;
    expect(await page.getByTestId('gk-scope-axial').innerText()).toBe('GK: whole lung');
    expect(await page.getByTestId('stats-gk').locator('tbody tr').count()).toBe(1);
    // The tutorial's choice: 5 slices around the one on screen.
    await page.getByTestId('slice-slider').fill('31');
    await page.getByTestId('analysis-gk-scope').selectOption('slices');
    await page.getByTestId('analysis-run').click();
    await analysisDone(page);
    await expect.poll(() => page.getByTestId('gk-scope-axial').innerText()).toBe('GK slices 30–34');
    expect(await page.getByTestId('overlay-legend').innerText()).toMatch(/GK structures\s*\(slices 30–34\)/);
    const rows = await page.getByTestId('stats-gk').locator('tbody th').allInnerTexts();
    expect(rows).toEqual(['30', '31', '32', '33', '34']);
    await page.getByTestId('tab-coronal').click();
    await page.keyboard.press('c'); // no crosshair line across the view
    await expect.poll(() => page.getByTestId('gk-scope-coronal').innerText()).toMatch(/^GK slices 30–34/);
    await settle(page);
    // The slab's outline: rows in the GK colour across most of the image.
    const px = await readCanvasRgba(page, 'slice-canvas-coronal');
    expect(gkColouredRows(px, 0.4)).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'clarity-gk-coronal-1280x720');
    await page.keyboard.press('c');
    await page.getByTestId('tab-3d').click();
    await expect.poll(() => page.getByTestId('view3d-gk-scope').innerText(), { timeout: 30_000 }).toMatch(/slices 30–34 only/);
  });

  it('draws triangle edges on the real lung mesh (on its coarse copy above 200k triangles)', async () => {
    const { page } = session.app;
    await page.waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 1000, undefined, { timeout: 30_000 });
    const drawn = Number(await page.getByTestId('mesh-row-lung').getAttribute('data-display-triangles'));
    expect(drawn).toBeGreaterThan(200_000);
    const without = await readView(page, 'view3d');
    await page.getByTestId('view3d-edges').check();
    await page.waitForFunction(() => window.__lungview3d?.views.view3d?.edgeState('lung') === 'coarse', undefined, { timeout: 30_000 });
    expect(changedFractionRgb(without, await readView(page, 'view3d'))).toBeGreaterThan(0.02);
    await screenshot(page, 'clarity-3d-edges-1280x720');
    await page.getByTestId('view3d-edges').uncheck();
  });

  it('uses plain words, with a unit and a tooltip on every number of the measurements', async () => {
    const { page } = session.app;
    // This one's split leaves small pieces of lung, and says so.
    await dropPaths(page, 'drop-zone', [seriesDir(SECOND)]);
    await waitForFirstSlice(page);
    await analysisDone(page);
    const panel = page.getByTestId('stats-panel');
    expect(await page.getByTestId('stats-split-notes').innerText()).toMatch(/small piece\(s\) of lung .* counted with the nearer lung \(left or right\)/);
    const text = await panel.innerText();
    expect(text).toContain('Lungs with vessels');
    expect(text).toContain('Aerated lung only');
    expect(text).not.toMatch(/not filled|nearer lung in x|in-plane erosion/);
    // Every volume row: "… mL" and a tooltip saying what it is.
    const titles = await panel.locator('dl.stats-numbers dt').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    const values = await panel.locator('dl.stats-numbers dd').allInnerTexts();
    expect(titles.length).toBeGreaterThan(3);
    for (const t of titles) expect(t).toMatch(/\(mL\)/);
    for (const v of values) expect(v).toMatch(/ mL$/);
    // The GK table's kept column is in pixels, and the two internal volumes say what each is.
    expect(await page.getByTestId('stats-gk').locator('thead').innerText()).toMatch(/kept \(px\)/);
    expect(await panel.locator('thead th[title]').count()).toBeGreaterThanOrEqual(5);
    expect(await page.getByTestId('stats-internal-ml').locator('xpath=preceding-sibling::dt[1]').getAttribute('title')).toMatch(/3D surface/);
  });

  it('fits 1280×720 and 1024×768 without sideways scrolling, with legible side text and a 3D view at least 400 px wide', async () => {
    const { page } = session.app;
    for (const [w, h] of [[1440, 900], [1280, 720], [1024, 768]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('tab-axial').click();
      await settle(page);
      const m = await page.evaluate(() => {
        const col = (sel: string) => document.querySelector(sel)!;
        const left = col('.column-left');
        const right = col('.column-right');
        left.scrollTop = 0;
        const size = (sel: string) => Math.min(...[...document.querySelectorAll(sel)].map((e) => parseFloat(getComputedStyle(e).fontSize)));
        const bg = getComputedStyle(document.querySelector('.corner-bl')!).backgroundColor;
        const preset = document.querySelector('[data-testid=window-preset-lung]')!.getBoundingClientRect();
        return {
          doc: document.scrollingElement!.scrollWidth,
          inner: innerWidth,
          left: [left.scrollWidth, left.clientWidth],
          right: [right.scrollWidth, right.clientWidth],
          smallest: size('.column .hint, .column .muted, .series-meta, .stage-line, .param-grid, .stats-table, .metadata, .corner, .overlay-legend'),
          readoutBg: bg,
          presetBottom: preset.bottom,
          // What sticks out of the side columns (for the failure message).
          wide: [left, right].flatMap((c) => {
            const cs = getComputedStyle(c);
            const edge = c.getBoundingClientRect().right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth);
            return [...c.querySelectorAll('*')]
              .filter((e) => {
                for (let p = e.parentElement; p && p !== c; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return false;
                return e.getBoundingClientRect().right > edge + 0.5 || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible');
              })
              .slice(0, 3)
              .map((e) => `${e.tagName}.${e.className}: ${(e.textContent ?? '').slice(0, 30)}`);
          }),
          height: innerHeight,
        };
      });
      expect(m.doc, `${w}×${h} page`).toBeLessThanOrEqual(m.inner);
      expect(m.left[0], `${w}×${h} left column (${m.wide.join(' | ')})`).toBeLessThanOrEqual(m.left[1]);
      expect(m.right[0], `${w}×${h} right column (${m.wide.join(' | ')})`).toBeLessThanOrEqual(m.right[1]);
      expect(m.smallest, `${w}×${h} smallest side text (px)`).toBeGreaterThanOrEqual(13);
      // The readout sits on a dark, mostly opaque backing.
      const a = /rgba\((\d+), (\d+), (\d+), ([\d.]+)\)/.exec(m.readoutBg);
      expect(a && Number(a[4]) >= 0.6 && Number(a[1]) < 40).toBe(true);
      // Window presets above the fold.
      expect(m.presetBottom, `${w}×${h} window presets`).toBeLessThanOrEqual(m.height);
      await screenshot(page, `clarity-axial-${w}x${h}`);
      await page.getByTestId('tab-3d').click();
      await page.getByTestId('view3d-canvas').waitFor();
      await settle(page);
      const canvasWidth = (await page.getByTestId('view3d-canvas').boundingBox())!.width;
      if (w <= 1280) expect(canvasWidth, `${w}×${h} 3D view width`).toBeGreaterThanOrEqual(400);
      await screenshot(page, `clarity-3d-${w}x${h}`);
      await page.getByTestId('tab-mpr').click();
      await settle(page);
      await screenshot(page, `clarity-grid-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});
