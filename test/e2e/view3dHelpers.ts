/**
 * Browser-test helpers for the 3D views: the picture of a view read back
 * right after drawing it (through the page's `window.__lungview3d` hook),
 * and pixel statistics that judge it without golden images.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { distDir } from './harness';
import type { FrameTiming, LungSceneInfo } from '../../src/viewer3d/lungScene';
// Declares window.__lungview3d for the code run in the page.
import type { View3dTestHook } from '../../src/viewer3d/testHook';

/**
 * Throws unless the build under test has the 3D test hook, which only
 * `vite build --mode e2e` builds in (npm run test:e2e does); without it the
 * tests would wait for the hook until they time out.
 */
export function requireTestHook(): void {
  const assets = path.join(distDir, 'assets');
  const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
  if (!js.some((f) => readFileSync(path.join(assets, f), 'utf8').includes('__lungview3d'))) {
    throw new Error(`${distDir} was built without the 3D test hook: build it with \`vite build --mode e2e\``);
  }
}

export interface RgbPixels {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row by row from the top. */
  rgb: Uint8Array;
}

/** Draws view `name` and reads its picture (the WebGL canvas copied to a 2D canvas in the same task). */
export async function readView(page: Page, name: string): Promise<RgbPixels> {
  const res = await page.evaluate((n) => {
    const hook: View3dTestHook | undefined = window.__lungview3d;
    const view = hook?.views[n];
    const gl = document.querySelector<HTMLCanvasElement>(`[data-testid="${n}-canvas"]`);
    if (!view || !gl) throw new Error(`no 3D view ${n}`);
    view.render();
    const c = document.createElement('canvas');
    c.width = gl.width;
    c.height = gl.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(gl, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const rgb = new Uint8Array(c.width * c.height * 3);
    for (let i = 0, j = 0; i < d.length; i += 4, j += 3) {
      rgb[j] = d[i];
      rgb[j + 1] = d[i + 1];
      rgb[j + 2] = d[i + 2];
    }
    let s = '';
    for (let i = 0; i < rgb.length; i += 0x8000) s += String.fromCharCode(...rgb.subarray(i, i + 0x8000));
    return { width: c.width, height: c.height, b64: btoa(s) };
  }, name);
  return { width: res.width, height: res.height, rgb: new Uint8Array(Buffer.from(res.b64, 'base64')) };
}

export async function viewInfo(page: Page, name: string): Promise<LungSceneInfo> {
  return page.evaluate((n) => window.__lungview3d!.views[n].info(), name);
}

/** Mean frame time while rotating (ms), from the view itself; `interactive` draws what a drag draws. */
export async function measureFrameMs(page: Page, name: string, frames = 12, interactive = false): Promise<FrameTiming> {
  return page.evaluate(([n, f, i]) => window.__lungview3d!.views[n].measureFrameMs(f, i), [name, frames, interactive] as const);
}

/**
 * Foreground mask: pixels that differ from the background colour (taken at
 * the top-right corner) by more than `tol` in some channel; the orientation
 * marker's corner (lower left, `gizmoPx` square) is left out.
 */
export function foreground(p: RgbPixels, tol = 24, gizmoPx = 96): Uint8Array {
  const bg = (p.width - 1) * 3;
  const [br, bgc, bb] = [p.rgb[bg], p.rgb[bg + 1], p.rgb[bg + 2]];
  const out = new Uint8Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (x < gizmoPx && y >= p.height - gizmoPx) continue;
      const i = (x + y * p.width) * 3;
      const d = Math.max(Math.abs(p.rgb[i] - br), Math.abs(p.rgb[i + 1] - bgc), Math.abs(p.rgb[i + 2] - bb));
      if (d > tol) out[x + y * p.width] = 1;
    }
  }
  return out;
}

export function fraction(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n / mask.length;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function maskBox(mask: Uint8Array, width: number): Box | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % width, y = Math.floor(i / width);
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Mean RGB of the foreground pixels in rows [ya, yb). */
export function meanRgbOfRows(p: RgbPixels, mask: Uint8Array, ya: number, yb: number): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  for (let y = Math.max(0, ya); y < Math.min(p.height, yb); y++) {
    for (let x = 0; x < p.width; x++) {
      if (!mask[x + y * p.width]) continue;
      const i = (x + y * p.width) * 3;
      s[0] += p.rgb[i];
      s[1] += p.rgb[i + 1];
      s[2] += p.rgb[i + 2];
      n++;
    }
  }
  return n ? [s[0] / n, s[1] / n, s[2] / n] : [0, 0, 0];
}

/**
 * Widest left and right foreground runs over the rows of [ya, yb) that
 * cross exactly two runs of at least `minRun` pixels (two lungs side by side).
 */
export function twoBlobWidths(mask: Uint8Array, width: number, ya: number, yb: number, minRun = 6): { left: number; right: number; rows: number } {
  let left = 0, right = 0, rows = 0;
  for (let y = ya; y < yb; y++) {
    const runs: number[] = [];
    let run = 0;
    for (let x = 0; x <= width; x++) {
      const on = x < width && mask[x + y * width] === 1;
      if (on) run++;
      else if (run > 0) {
        if (run >= minRun) runs.push(run);
        run = 0;
      }
    }
    if (runs.length !== 2) continue;
    rows++;
    left = Math.max(left, runs[0]);
    right = Math.max(right, runs[1]);
  }
  return { left, right, rows };
}

/** Fraction of pixels whose RGB differs by more than `tol` in some channel. */
export function changedFractionRgb(a: RgbPixels, b: RgbPixels, tol = 16): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let n = 0;
  for (let i = 0; i < a.rgb.length; i += 3) {
    if (Math.abs(a.rgb[i] - b.rgb[i]) > tol || Math.abs(a.rgb[i + 1] - b.rgb[i + 1]) > tol || Math.abs(a.rgb[i + 2] - b.rgb[i + 2]) > tol) n++;
  }
  return n / (a.width * a.height);
}
