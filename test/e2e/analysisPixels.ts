/**
 * Judging overlays by pixel statistics: compare the slice drawn with one
 * overlay and without it (same slice, window and view), so the overlay's
 * pixels are exactly those that changed.
 */
import type { CanvasRgba } from './harness';

export interface OverlayCoverage {
  /** Pixels the overlay tinted. */
  overlayPixels: number;
  /** Of them, the fraction that is dark in the plain picture (grey < darkMax). */
  overlayDarkFraction: number;
  /** Dark pixels of the plain picture inside the overlay's bounding box. */
  darkInBox: number;
  /** Of them, the fraction the overlay covers. */
  darkCoveredFraction: number;
  box: { x0: number; y0: number; x1: number; y1: number } | null;
}

/** Overlay pixels: any channel differs by more than `tol` between the two pictures. */
export function overlayCoverage(withOverlay: CanvasRgba, plain: CanvasRgba, darkMax: number, tol = 6): OverlayCoverage {
  if (withOverlay.width !== plain.width || withOverlay.height !== plain.height) throw new Error('pictures differ in size');
  const { width, height } = plain;
  const a = withOverlay.rgba;
  const b = plain.rgba;
  const n = width * height;
  const mark = new Uint8Array(n);
  let overlayPixels = 0;
  let overlayDark = 0;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let i = 0; i < n; i++) {
    const k = 4 * i;
    const changed = Math.abs(a[k] - b[k]) > tol || Math.abs(a[k + 1] - b[k + 1]) > tol || Math.abs(a[k + 2] - b[k + 2]) > tol;
    if (!changed) continue;
    mark[i] = 1;
    overlayPixels++;
    if (b[k] < darkMax) overlayDark++;
    const x = i % width;
    const y = (i - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  let darkInBox = 0;
  let covered = 0;
  if (x1 >= 0) {
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = x + y * width;
        if (b[4 * i] < darkMax) {
          darkInBox++;
          covered += mark[i];
        }
      }
    }
  }
  return {
    overlayPixels,
    overlayDarkFraction: overlayPixels ? overlayDark / overlayPixels : 0,
    darkInBox,
    darkCoveredFraction: darkInBox ? covered / darkInBox : 0,
    box: x1 >= 0 ? { x0, y0, x1, y1 } : null,
  };
}

/** Standard deviation of the red channel (a blank canvas gives 0). */
export function redSpread(p: CanvasRgba): number {
  const n = p.width * p.height;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = p.rgba[4 * i];
    s += v;
    s2 += v * v;
  }
  const m = s / n;
  return Math.sqrt(Math.max(0, s2 / n - m * m));
}
