import { describe, expect, it } from 'vitest';
import { runsFromMask } from '../../src/core/segmentation/runs';
import { maskedHuHistogram, runsHuHistogram } from '../../src/workers/analysisStats';

describe('lung HU histogram', () => {
  it('counts only masked voxels, in fixed bins, with values outside the range in the end bins', () => {
    const hu = Int16Array.of(-1200, -1000, -990, -981, -500, 0, 99, 100, 5000, -700);
    const mask = Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 0);
    const h = maskedHuHistogram(hu, mask, -1000, 50, 22); // bins -1000 .. 100
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

  it('gives the same counts as a plain loop for any mask alignment (word-skipping path)', () => {
    const n = 4099;
    const hu = new Int16Array(n);
    const backing = new Uint8Array(n + 3);
    for (let i = 0; i < n; i++) hu[i] = ((i * 37) % 1500) - 1100;
    for (const offset of [0, 1, 2, 3]) {
      const mask = backing.subarray(offset, offset + n);
      mask.fill(0);
      for (let i = 0; i < n; i++) if ((i * 13) % 7 < 2 || (i > 1000 && i < 1100)) mask[i] = 1;
      const h = maskedHuHistogram(hu, mask);
      const expected = new Array(h.counts.length).fill(0);
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (!mask[i]) continue;
        total++;
        const k = Math.min(h.counts.length - 1, Math.max(0, Math.floor((hu[i] - h.loHu) / h.binHu)));
        expected[k]++;
      }
      expect(h.counts).toEqual(expected);
      expect(h.total).toBe(total);
    }
  });

  it('is empty (mean NaN) for an empty mask', () => {
    const h = maskedHuHistogram(new Int16Array(8), new Uint8Array(8));
    expect(h.total).toBe(0);
    expect(Number.isNaN(h.meanHu)).toBe(true);
  });
});

describe('lung HU histogram from runs', () => {
  it('equals the voxel-mask histogram of the same mask', () => {
    const dims = { nx: 37, ny: 11, nz: 5 };
    const n = dims.nx * dims.ny * dims.nz;
    const hu = new Int16Array(n);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      hu[i] = ((i * 7919) % 2400) - 1300;
      mask[i] = (i * 31) % 11 < 4 || (i % dims.nx > 20 && i % dims.nx < 30) ? 1 : 0;
    }
    const fromRuns = runsHuHistogram(hu, runsFromMask(mask, dims));
    const fromMask = maskedHuHistogram(hu, mask);
    expect(fromRuns).toEqual(fromMask);
    expect(fromRuns.total).toBeGreaterThan(0);
    expect(fromRuns.below + fromRuns.above).toBeGreaterThan(0);
  });

  it('refuses runs on another grid', () => {
    expect(() => runsHuHistogram(new Int16Array(10), runsFromMask(new Uint8Array(12), { nx: 4, ny: 3, nz: 1 }))).toThrow(RangeError);
  });
});
