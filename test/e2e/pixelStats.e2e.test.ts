/** The picture judges used by the browser tests, checked on drawn shapes (no browser needed). */
import { describe, expect, it } from 'vitest';
import type { CanvasPixels } from './harness';
import { boxMean, brightBox, findChestRow } from './pixelStats';

function canvas(width: number, height: number, shade: (x: number, y: number) => number): CanvasPixels {
  const grey = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) grey[x + y * width] = shade(x, y);
  return { width, height, grey };
}

const inEllipse = (x: number, y: number, cx: number, cy: number, a: number, b: number) => ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1;

/** Letterboxed square image: air 55, body 230, two lungs 85 (lung window greys). */
function chest(lungs: 0 | 1 | 2, vessel = false): CanvasPixels {
  return canvas(300, 200, (x, y) => {
    if (x < 50 || x >= 250) return 0;
    if (vessel && (x - 100) ** 2 + (y - 100) ** 2 < 9) return 230;
    if (lungs >= 1 && inEllipse(x, y, 100, 100, 30, 50)) return 85;
    if (lungs >= 2 && inEllipse(x, y, 200, 100, 30, 50)) return 85;
    if (inEllipse(x, y, 150, 100, 90, 70)) return 230;
    return 55;
  });
}

describe('picture judges', () => {
  it('finds where the image is drawn inside a black letterbox', () => {
    const p = chest(2);
    expect(brightBox(p)).toEqual({ x0: 50, y0: 0, x1: 249, y1: 199 });
    expect(boxMean(p, { x0: 0, y0: 0, x1: 49, y1: 199 })).toBe(0);
  });

  it('recognises a row through two dark lungs inside a bright body', () => {
    const p = chest(2);
    const y = findChestRow(p, brightBox(p)!, 130, 180);
    expect(y).toBeGreaterThan(50);
    expect(y).toBeLessThan(150);
  });

  it('does not take one lung crossed by a bright vessel, or a plain body, for a chest', () => {
    for (const p of [chest(1, true), chest(0)]) expect(findChestRow(p, brightBox(p)!, 130, 180)).toBe(-1);
    const flat = canvas(100, 100, () => 128);
    expect(findChestRow(flat, brightBox(flat)!, 130, 180)).toBe(-1);
  });
});
