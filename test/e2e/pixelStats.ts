/**
 * Judging slice pictures by pixel statistics instead of golden images.
 */
import type { CanvasPixels } from './harness';

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of the pixels brighter than `threshold` (where the image is drawn). */
export function brightBox(p: CanvasPixels, threshold = 10): Box | null {
  let x0 = p.width;
  let y0 = p.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (p.grey[x + y * p.width] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

export function boxMean(p: CanvasPixels, b: Box): number {
  let s = 0;
  let n = 0;
  for (let y = b.y0; y <= b.y1; y++) for (let x = b.x0; x <= b.x1; x++, n++) s += p.grey[x + y * p.width];
  return n ? s / n : 0;
}

/** Runs of a row classified as dark (< darkMax), bright (> brightMin) or other. */
function rowRuns(p: CanvasPixels, y: number, x0: number, x1: number, darkMax: number, brightMin: number) {
  const runs: { kind: 'd' | 'b' | 'o'; len: number }[] = [];
  for (let x = x0; x <= x1; x++) {
    const g = p.grey[x + y * p.width];
    const kind = g < darkMax ? 'd' : g > brightMin ? 'b' : 'o';
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) last.len++;
    else runs.push({ kind, len: 1 });
  }
  return runs;
}

/**
 * True when some row inside `box` crosses the chest like an axial CT slice
 * through both lungs: bright body wall, a long dark lung, a long bright
 * mediastinum, a long dark lung, bright body wall. Short runs (noise,
 * vessels, edges) are ignored. Returns the first such row, or -1.
 */
export function findChestRow(p: CanvasPixels, box: Box, darkMax: number, brightMin: number): number {
  const width = box.x1 - box.x0 + 1;
  const minLung = Math.max(4, Math.round(0.08 * width));
  const minMediastinum = Math.max(3, Math.round(0.04 * width));
  const minRun = Math.max(2, Math.round(0.01 * width));
  for (let y = Math.round(box.y0 + 0.15 * (box.y1 - box.y0)); y <= box.y0 + 0.9 * (box.y1 - box.y0); y += 2) {
    const sig: { kind: 'd' | 'b'; len: number }[] = [];
    for (const r of rowRuns(p, y, box.x0, box.x1, darkMax, brightMin)) {
      if (r.kind === 'o' || r.len < minRun) continue;
      const last = sig[sig.length - 1];
      if (last && last.kind === r.kind) last.len += r.len;
      else sig.push({ kind: r.kind, len: r.len });
    }
    for (let k = 0; k + 4 < sig.length; k++) {
      const [w1, l1, m, l2, w2] = sig.slice(k, k + 5);
      if (
        w1.kind === 'b' && l1.kind === 'd' && m.kind === 'b' && l2.kind === 'd' && w2.kind === 'b' &&
        l1.len >= minLung && l2.len >= minLung && m.len >= minMediastinum
      ) {
        return y;
      }
    }
  }
  return -1;
}
