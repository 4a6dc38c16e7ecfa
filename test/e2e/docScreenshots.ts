/**
 * The pictures of public/docs/analysis.md: each real series dropped on the
 * built app (dist/, `vite build --mode e2e`) and analysed, then its axial
 * and coronal views side by side, once with the inclusive lung mask under
 * the tutorial's filled mask (what the inclusive mask adds shows in its own
 * colour) and once with the right lung, left lung and airway colours.
 * Run: `npx tsx test/e2e/docScreenshots.ts [OUT_DIR]` (default
 * public/docs/images). Each PNG is downscaled in the page and its channels
 * rounded to steps of QUANT_STEP (fewer distinct values: a smaller file).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REAL_SERIES } from '../helpers/sharedData';
import { dropAndAnalyse } from './analysedDrop';
import { launchBrowser, openApp, repoRoot, startPreview } from './harness';

const OVERLAYS = ['lungMeasured', 'lungSides', 'lungFill', 'lungNoFill', 'internal', 'gk', 'density', 'crop'] as const;
/** Width of each view in the picture (px). */
const VIEW_PX = 280;
/** Channel values are rounded to multiples of this. */
const QUANT_STEP = 12;

async function onlyOverlays(page: Page, ...on: string[]): Promise<void> {
  for (const k of OVERLAYS) await page.getByTestId(`overlay-toggle-${k}`).setChecked(on.includes(k));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** The axial and coronal canvases side by side, each scaled to VIEW_PX wide, as PNG bytes. */
async function twoViews(page: Page): Promise<Buffer> {
  await page.getByTestId('tab-mpr').click();
  await page.getByTestId('slice-canvas-coronal').waitFor();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const url = await page.evaluate(([px, step]) => {
    const ids = ['slice-canvas', 'slice-canvas-coronal'];
    const canvases = ids.map((id) => document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`)!);
    const h = Math.round((px * canvases[0].height) / canvases[0].width);
    const out = document.createElement('canvas');
    out.width = px * 2 + 4;
    out.height = h;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, out.width, out.height);
    canvases.forEach((c, k) => ctx.drawImage(c, k * (px + 4), 0, px, Math.round((px * c.height) / c.width)));
    const img = ctx.getImageData(0, 0, out.width, out.height);
    const d = img.data;
    for (let i = 0; i < d.length; i++) if ((i & 3) !== 3) d[i] = Math.min(255, Math.round(d[i] / step) * step);
    ctx.putImageData(img, 0, 0);
    return out.toDataURL('image/png');
  }, [VIEW_PX, QUANT_STEP] as const);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

function save(file: string, png: Buffer): void {
  writeFileSync(file, png);
  console.log(`${file}: ${(png.length / 1024).toFixed(0)} kB`);
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'public/docs/images'));
  const server = await startPreview();
  const browser = await launchBrowser();
  try {
    for (const series of REAL_SERIES) {
      const { page, context } = await openApp(browser, server.url, { width: 1280, height: 900 });
      await dropAndAnalyse(page, series);
      await page.getByTestId('window-preset-lung').click();
      await page.getByTestId('show-crosshair').setChecked(false);
      // The inclusive mask strong and pink, the tutorial's filled mask blue and lighter on top: what the inclusive mask adds is pink.
      await page.getByTestId('overlay-color-lungMeasured').fill('#ff2e88');
      await page.getByTestId('overlay-opacity-lungMeasured').fill('0.85');
      await page.getByTestId('overlay-opacity-lungFill').fill('0.6');
      await onlyOverlays(page, 'lungMeasured', 'lungFill');
      save(path.join(outDir, `${series}-inclusive.png`), await twoViews(page));
      await onlyOverlays(page, 'lungSides');
      save(path.join(outDir, `${series}-sides.png`), await twoViews(page));
      console.log(`${series}: ${outDir}/${series}-{inclusive,sides}.png`);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
