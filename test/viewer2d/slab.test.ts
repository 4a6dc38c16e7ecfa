import { describe, expect, it } from 'vitest';
import type { Volume } from '../../src/core/volume/volume';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { slabMip, slabRange, slabSliceCount } from '../../src/viewer2d/slab';

function randomVolume(nx: number, ny: number, nz: number): Volume {
  const rand = mulberry32(5);
  const hu = new Int16Array(nx * ny * nz);
  for (let i = 0; i < hu.length; i++) hu[i] = Math.round(rand() * 3000) - 1024;
  return { nx, ny, nz, hu, spacingMmXyz: [0.7, 0.8, 2.5], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] } as unknown as Volume;
}

describe('thick slab MIP', () => {
  it('spans the thickness in slices, centred and clipped', () => {
    expect(slabSliceCount(2.5, 10)).toBe(4);
    expect(slabSliceCount(0.7, 5)).toBe(7);
    expect(slabSliceCount(2.5, 1)).toBe(1);
    expect(slabSliceCount(2.5, 0)).toBe(1);
    expect(slabRange(10, 4, 30)).toEqual([9, 12]);
    expect(slabRange(10, 5, 30)).toEqual([8, 12]);
    expect(slabRange(1, 7, 30)).toEqual([0, 4]);
    expect(slabRange(28, 7, 30)).toEqual([25, 29]);
  });

  it('equals the brute-force maximum over the slab on every view, and one slice is the slice itself', () => {
    const vol = randomVolume(9, 7, 11);
    const at = (x: number, y: number, z: number) => vol.hu[x + y * vol.nx + z * vol.nx * vol.ny];
    for (const axis of ['axial', 'coronal', 'sagittal'] as const) {
      const n = axis === 'axial' ? vol.nz : axis === 'coronal' ? vol.ny : vol.nx;
      for (const count of [1, 2, 3, 6]) {
        for (let index = 0; index < n; index++) {
          const got = slabMip(vol, axis, index, count);
          const [lo, hi] = slabRange(index, count, n);
          for (let v = 0; v < got.height; v++) {
            for (let u = 0; u < got.width; u++) {
              let want = -Infinity;
              for (let k = lo; k <= hi; k++) {
                const h = axis === 'axial' ? at(u, v, k) : axis === 'coronal' ? at(u, k, v) : at(k, u, v);
                want = Math.max(want, h);
              }
              expect(got.data[u + v * got.width]).toBe(want);
            }
          }
        }
      }
    }
  });
});
