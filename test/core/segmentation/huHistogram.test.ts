import { describe, expect, it } from 'vitest';
import { runsFromMask } from '../../../src/core/segmentation/runs';
import { runsHuHistogram } from '../../../src/core/segmentation/huHistogram';

/** The histogram of a flat voxel mask (one row of runs). */
function histogramOf(hu: Int16Array, mask: Uint8Array, loHu?: number, binHu?: number, bins?: number) {
  return runsHuHistogram(hu, runsFromMask(mask, { nx: mask.length, ny: 1, nz: 1 }), loHu, binHu, bins);
}

describe('lung HU histogram (from the mask runs)', () => {
  it('counts only masked voxels, in fixed bins, with values outside the range in the end bins', () => {
    const hu = Int16Array.of(-1200, -1000, -990, -981, -500, 0, 99, 100, 5000, -700);
    const mask = Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 0);
    const h = histogramOf(hu, mask, -1000, 50, 22); // bins -1000 .. 100
    expect(h.total).toBe(9);
    expect(h.below).toBe(1);
    expect(h.above).toBe(2); // 100 and 5000 are at or above the end (100)
    expect(h.counts[0]).toBe(1 + 3); // -1200 clamped, -1000, -990, -981
    expect(h.counts[10]).toBe(1); // -500
    expect(h.counts[20]).toBe(1); // 0
    expect(h.counts[21]).toBe(1 + 2); // 99, plus 100 and 5000
    expect(h.counts.reduce((a, v) => a + v, 0)).toBe(9);
    expect(h.meanHu).toBeCloseTo((-1200 - 1000 - 990 - 981 - 500 + 0 + 99 + 100 + 5000) / 9, 9);
  });

  it('gives the same counts as a plain loop over a 3D mask', () => {
    const dims = { nx: 37, ny: 11, nz: 5 };
    const n = dims.nx * dims.ny * dims.nz;
    const hu = new Int16Array(n);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      hu[i] = ((i * 7919) % 2400) - 1300;
      mask[i] = (i * 31) % 11 < 4 || (i % dims.nx > 20 && i % dims.nx < 30) ? 1 : 0;
    }
    const h = runsHuHistogram(hu, runsFromMask(mask, dims));
    const expected = new Array(h.counts.length).fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      total++;
      expected[Math.min(h.counts.length - 1, Math.max(0, Math.floor((hu[i] - h.loHu) / h.binHu)))]++;
    }
    expect(h.counts).toEqual(expected);
    expect(h.total).toBe(total);
    expect(h.below + h.above).toBeGreaterThan(0);
  });

  it('is empty (mean NaN) for an empty mask', () => {
    const h = histogramOf(new Int16Array(8), new Uint8Array(8));
    expect(h.total).toBe(0);
    expect(Number.isNaN(h.meanHu)).toBe(true);
  });

  it('refuses runs on another grid', () => {
    expect(() => runsHuHistogram(new Int16Array(10), runsFromMask(new Uint8Array(12), { nx: 4, ny: 3, nz: 1 }))).toThrow(RangeError);
  });
});
