/**
 * Large folders: 5,000 small files (written here) load with progress and
 * without freezing the page; a series whose volume would exceed the memory
 * budget is refused from its headers, before anything is allocated (its
 * files are sparse: 1.3 GB by size, nothing on disk).
 */
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { makeTestFile } from '../core/dicom/testFiles';
import { dropPaths, launchBrowser, openApp, startPreview, type PreviewServer } from './harness';

const SERIES = 5;
const PER_SERIES = 1000;
const SIZE = 32;

declare global {
  interface Window {
    __longTasksMs?: number[];
    __counts?: string[];
  }
}

/** A CT slice of `size` × `size` whose Pixel Data claims its full length but holds none (the file is extended sparsely). */
async function writeSparseSlice(file: string, size: number, z: number, seriesUid: string): Promise<void> {
  const bytes = makeTestFile({ rows: size, columns: size, pixels: new Int16Array(1), seriesUid, ipp: [0, 0, z * 2], instanceNumber: z + 1 });
  const pixelBytes = size * size * 2;
  // The Pixel Data element is last: its 4-byte length sits just before its 2 value bytes.
  const header = bytes.slice(0, bytes.length - 2);
  new DataView(header.buffer).setUint32(header.length - 4, pixelBytes, true);
  const fh = await open(file, 'w');
  await fh.write(header);
  await fh.truncate(header.length + pixelBytes);
  await fh.close();
}

describe('huge folders', () => {
  let server: PreviewServer;
  let browser: Browser;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'lungview-huge-'));
    const many = path.join(root, 'many');
    const pixels = new Int16Array(SIZE * SIZE);
    for (let s = 0; s < SERIES; s++) {
      const dir = path.join(many, `series${s}`);
      await mkdir(dir, { recursive: true });
      for (let z = 0; z < PER_SERIES; z++) {
        for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 7 + z * 13 + s * 101) % 2000) - 1000;
        const bytes = makeTestFile({ rows: SIZE, columns: SIZE, pixels, seriesUid: `2.25.9000${s}`, ipp: [0, 0, z * 1.25], instanceNumber: z + 1 });
        await writeFile(path.join(dir, `IM${String(z).padStart(5, '0')}.dcm`), bytes);
      }
    }
    const big = path.join(root, 'too-big');
    await mkdir(big, { recursive: true });
    for (let z = 0; z < 40; z++) await writeSparseSlice(path.join(big, `big${z}.dcm`), 4096, z, '2.25.77777');
    server = await startPreview();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('5,000 files: progress climbs while they are read, the page stays responsive, and all five series arrive', async () => {
    const app = await openApp(browser, server.url);
    const { page } = app;
    await page.evaluate(() => {
      window.__longTasksMs = [];
      window.__counts = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasksMs!.push(e.duration);
      }).observe({ type: 'longtask', buffered: false });
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid=load-counts]')?.textContent;
        if (t && window.__counts!.at(-1) !== t) window.__counts!.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const t0 = Date.now();
    await dropPaths(page, 'drop-zone', [path.join(root, 'many')]);
    await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 180_000 });
    const seconds = (Date.now() - t0) / 1000;
    const counts = await page.evaluate(() => window.__counts ?? []);
    const longTasks = await page.evaluate(() => window.__longTasksMs ?? []);
    console.log(`5,000 files loaded in ${seconds.toFixed(1)} s; ${counts.length} progress updates; longest main-thread task ${Math.max(0, ...longTasks).toFixed(0)} ms`);
    // Progress: many distinct "n / 5000 files" values on the way, ending at all of them.
    const done = counts.map((c) => /^(\d+) \/ 5000 files/.exec(c)?.[1]).filter((x): x is string => !!x).map(Number);
    expect(new Set(done).size).toBeGreaterThanOrEqual(5);
    expect(done.at(-1)).toBe(5000);
    expect(done.some((n) => n > 0 && n < 5000)).toBe(true);
    // Responsive: no main-thread task long enough to feel frozen.
    expect(Math.max(0, ...longTasks)).toBeLessThan(1000);
    const items = page.getByTestId('series-item');
    expect(await items.count()).toBe(SERIES);
    for (let k = 0; k < SERIES; k++) expect(await items.nth(k).innerText()).toMatch(/1000 slices/);
    expect(await page.getByTestId('skipped-files').count()).toBe(0);
    await app.context.close();
  }, 240_000);

  it('a series too large for the memory budget is refused before allocation, with the reason; the page does not grow', async () => {
    const app = await openApp(browser, server.url);
    const { page } = app;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await dropPaths(page, 'drop-zone', [path.join(root, 'too-big')]);
    await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 60_000 });
    const banner = await page.getByTestId('error-banner').innerText();
    expect(banner).toMatch(/Series ".*" \(4096 × 4096 × 40, 1\.34 GB as HU\) was not loaded: it is larger than the 1\.07 GB one series may use here\./);
    expect(await page.getByTestId('series-item').count()).toBe(0);
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const heap = metrics.find((m) => m.name === 'JSHeapTotalSize')!.value;
    expect(heap).toBeLessThan(200e6);
    await app.context.close();
  });
});
