/**
 * Compressed DICOM in the browser: a real series re-encoded file by file in
 * turn with RLE, JPEG lossless (SV1 and process 14), JPEG-LS and JPEG 2000
 * (DCMTK and GDCM, see test/fixtures/reencode.ts) is dropped on the built
 * app and must show exactly the picture of the same files uncompressed.
 * The codecs are fetched only when a file needs them: an uncompressed drop
 * requests no codec at all, the compressed one only the codecs it uses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Request } from 'playwright-core';
import { seriesDir } from '../helpers/sharedData';
import { copyFiles, describeWithCodecTools, pickFiles, reencodeMixed } from '../fixtures/reencode';
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
  type CanvasPixels,
  type PreviewServer,
} from './harness';

/** Codec files as the build names them (script chunk or .wasm), by codec. */
const CODEC_FILES: Record<string, RegExp> = {
  'jpeg-lossless': /\/assets\/lossless-[^/]*\.js$/,
  charls: /\/assets\/charlswasm_decode-[^/]*\.(js|wasm)$/,
  openjpeg: /\/assets\/openjpegwasm_decode-[^/]*\.(js|wasm)$/,
  libjpegTurbo: /\/assets\/libjpegturbowasm_decode-[^/]*\.(js|wasm)$/,
  openjph: /\/assets\/openjphjs-[^/]*\.(js|wasm)$/,
};

function codecsRequested(urls: readonly string[]): string[] {
  return Object.keys(CODEC_FILES).filter((name) => urls.some((u) => CODEC_FILES[name].test(u))).sort();
}

describeWithCodecTools('dropping a compressed CT folder', () => {
  let server: PreviewServer;
  let browser: Browser;
  let dropDir: string;
  let plain: AppPage;
  let compressed: AppPage;
  const plainRequests: string[] = [];
  const compressedRequests: string[] = [];
  const files = pickFiles(seriesDir('lung-pet-ct-dx-a0001'), 4);

  beforeAll(async () => {
    dropDir = await mkdtemp(path.join(tmpdir(), 'lungview-compressed-drop-'));
    copyFiles(seriesDir('lung-pet-ct-dx-a0001'), files, path.join(dropDir, 'plain'));
    reencodeMixed(seriesDir('lung-pet-ct-dx-a0001'), files, path.join(dropDir, 'compressed'));
    server = await startPreview();
    browser = await launchBrowser();
    plain = await openApp(browser, server.url);
    compressed = await openApp(browser, server.url);
    plain.context.on('request', (r: Request) => void plainRequests.push(r.url()));
    compressed.context.on('request', (r: Request) => void compressedRequests.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dropDir) await rm(dropDir, { recursive: true, force: true });
  });

  async function lungWindow(app: AppPage): Promise<CanvasPixels> {
    await app.page.getByTestId('window-preset-lung').click();
    await expect.poll(() => app.page.getByTestId('window-label').innerText()).toMatch(/W 1500 \/ L -600/);
    await app.page.waitForTimeout(100);
    return readCanvas(app.page);
  }

  it('an uncompressed drop loads without fetching any codec', async () => {
    await dropPaths(plain.page, 'drop-zone', [path.join(dropDir, 'plain')]);
    await waitForFirstSlice(plain.page);
    expect(await plain.page.getByTestId('load-counts').innerText()).toMatch(/^16 \/ 16 files/);
    expect(await plain.page.getByTestId('series-item').innerText()).toMatch(/16 slices/);
    expect(plainRequests.length).toBeGreaterThan(0);
    expect(plainRequests.filter((u) => u.endsWith('.wasm'))).toEqual([]);
    expect(codecsRequested(plainRequests)).toEqual([]);
  });

  it('the compressed copy shows the same slices, pixel for pixel, and skips nothing', async () => {
    const t0 = Date.now();
    await dropPaths(compressed.page, 'drop-zone', [path.join(dropDir, 'compressed')]);
    const firstSliceMs = await waitForFirstSlice(compressed.page);
    console.log(`compressed drop -> first slice: ${firstSliceMs.toFixed(0)} ms (16 files, 7 encodings; ${Date.now() - t0} ms wall)`);
    const { page } = compressed;
    expect(await page.getByTestId('load-counts').innerText()).toMatch(/^16 \/ 16 files/);
    expect(await page.getByTestId('series-item').innerText()).toMatch(/16 slices/);
    expect(await page.getByTestId('skipped-files').count()).toBe(0);
    expect(await page.getByTestId('meta-dims').innerText()).toBe(await plain.page.getByTestId('meta-dims').innerText());

    // The analysis starts by itself and draws overlays when done: compare finished pictures.
    for (const app of [plain, compressed]) {
      await app.page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
    }
    for (const slice of [8, 0, 5, 15]) {
      for (const app of [plain, compressed]) {
        await app.page.getByTestId('slice-slider').fill(String(slice));
        await expect.poll(() => app.page.getByTestId('slice-label').innerText()).toMatch(new RegExp(`^Slice ${slice + 1} / 16`));
      }
      const a = await lungWindow(plain);
      const b = await lungWindow(compressed);
      expect(a.grey.some((v) => v > 50)).toBe(true);
      expect(changedFraction(a, b, 0), `slice ${slice + 1}`).toBe(0);
    }
    await screenshot(page, 'compressed-drop');
  });

  it('fetched only the codecs its files use, and ran them under the page CSP without errors', () => {
    // RLE is decoded by the core; JPEG baseline and HTJ2K are not in the folder.
    expect(codecsRequested(compressedRequests)).toEqual(['charls', 'jpeg-lossless', 'openjpeg']);
    const wasm = compressedRequests.filter((u) => u.endsWith('.wasm')).map((u) => path.basename(u).replace(/-[^-]+\.wasm$/, ''));
    expect([...new Set(wasm)].sort()).toEqual(['charlswasm_decode', 'openjpegwasm_decode']);
    expect(compressed.pageErrors).toEqual([]);
    expect(compressed.foreignRequests).toEqual([]);
    expect(plain.pageErrors).toEqual([]);
  });
});
