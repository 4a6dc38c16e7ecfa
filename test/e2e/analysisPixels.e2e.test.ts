/** The overlay judges of the analysis browser test, checked on drawn shapes (no browser needed). */
import { describe, expect, it } from 'vitest';
import type { CanvasRgba } from './harness';
import { overlayCoverage, redSpread } from './analysisPixels';

function picture(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): CanvasRgba {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      rgba.set([r, g, b, 255], 4 * (x + y * width));
    }
  }
  return { width, height, rgba };
}

const inLung = (x: number, y: number) => (x - 30) ** 2 + (y - 30) ** 2 < 100 || (x - 70) ** 2 + (y - 30) ** 2 < 100;
const plain = picture(100, 60, (x, y) => (inLung(x, y) ? [60, 60, 60] : [220, 220, 220]));

describe('overlay judges', () => {
  it('an overlay exactly on the dark lungs: all overlay pixels dark, all dark pixels covered', () => {
    const tinted = picture(100, 60, (x, y) => (inLung(x, y) ? [50, 90, 140] : [220, 220, 220]));
    const c = overlayCoverage(tinted, plain, 130);
    expect(c.overlayPixels).toBeGreaterThan(500);
    expect(c.overlayDarkFraction).toBe(1);
    expect(c.darkCoveredFraction).toBe(1);
  });

  it('an overlay shifted off the lungs scores low on both counts', () => {
    const shifted = picture(100, 60, (x, y) => (inLung(x - 8, y) ? [50, 90, 140] : inLung(x, y) ? [60, 60, 60] : [220, 220, 220]));
    const c = overlayCoverage(shifted, plain, 130);
    expect(c.overlayDarkFraction).toBeLessThan(0.8);
    expect(c.darkCoveredFraction).toBeLessThan(0.8);
  });

  it('tells a blank canvas from a picture', () => {
    expect(redSpread(picture(10, 10, () => [0, 0, 0]))).toBe(0);
    expect(redSpread(plain)).toBeGreaterThan(20);
  });
});
