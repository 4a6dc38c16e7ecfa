import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { permuteRuns } from '../../../src/core/segmentation/permuteRuns';
import { runsFromMask, runsFromValues, type RunSet } from '../../../src/core/segmentation/runs';
import { permuteVoxels, AXIS_PERMUTATIONS } from '../../../src/core/volume/reorient';

const PERMS = AXIS_PERMUTATIONS;

/** Blobby random mask: boxes of random size, so runs are long and rows differ. */
function randomMask(nx: number, ny: number, nz: number, seed: number, boxes: number): Uint8Array {
  const rnd = mulberry32(seed);
  const m = new Uint8Array(nx * ny * nz);
  for (let b = 0; b < boxes; b++) {
    const x0 = Math.floor(rnd() * nx);
    const y0 = Math.floor(rnd() * ny);
    const z0 = Math.floor(rnd() * nz);
    const x1 = Math.min(nx, x0 + 1 + Math.floor(rnd() * nx * 0.5));
    const y1 = Math.min(ny, y0 + 1 + Math.floor(rnd() * ny * 0.5));
    const z1 = Math.min(nz, z0 + 1 + Math.floor(rnd() * nz * 0.5));
    const v = rnd() < 0.7 ? 1 : 0;
    for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[x + y * nx + z * nx * ny] = v;
  }
  // Salt and pepper.
  for (let i = 0; i < m.length; i++) if (rnd() < 0.03) m[i] ^= 1;
  return m;
}

/** The used part of a run set, as plain arrays. */
function plain(r: RunSet) {
  return {
    dims: [r.nx, r.ny, r.nz],
    rowStart: Array.from(r.rowStart),
    x0: Array.from(r.x0.subarray(0, r.count)),
    x1: Array.from(r.x1.subarray(0, r.count)),
    count: r.count,
  };
}

describe('permuteRuns', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [9, 7, 5],
    [31, 4, 17],
    [4, 23, 12],
    [16, 16, 16],
  ];

  it('gives the runs of the permuted voxel grid (runsFromMask of permuteVoxels), for all 6 permutations', () => {
    let seed = 1;
    for (const [nx, ny, nz] of sizes) {
      for (const boxes of [0, 3, 12]) {
        const m = randomMask(nx, ny, nz, seed++, boxes);
        const runs = runsFromMask(m, { nx, ny, nz });
        const dims = [nx, ny, nz];
        for (const p of PERMS) {
          const pm = permuteVoxels(m, { nx, ny, nz }, p);
          const want = runsFromMask(pm, { nx: dims[p[0]], ny: dims[p[1]], nz: dims[p[2]] });
          expect(plain(permuteRuns(runs, p))).toEqual(plain(want));
        }
      }
    }
  });

  it('handles full and empty grids', () => {
    const dims = { nx: 6, ny: 5, nz: 4 };
    const full = runsFromMask(new Uint8Array(120).fill(1), dims);
    const empty = runsFromMask(new Uint8Array(120), dims);
    for (const p of PERMS) {
      const f = permuteRuns(full, p);
      expect(f.count).toBe(f.ny * f.nz);
      for (let k = 0; k < f.count; k++) expect([f.x0[k], f.x1[k]]).toEqual([0, f.nx]);
      expect(permuteRuns(empty, p).count).toBe(0);
    }
  });

  it('returns maximal runs even when the input has touching runs in a row', () => {
    // Row 0 of a 6 × 2 × 1 grid as [0, 2) + [2, 4): the same set as [0, 4).
    const touching: RunSet = {
      nx: 6, ny: 2, nz: 1,
      rowStart: Int32Array.from([0, 2, 3]),
      x0: Int32Array.from([0, 2, 1]),
      x1: Int32Array.from([2, 4, 5]),
      value: null,
      count: 3,
    };
    const mask = new Uint8Array(12);
    mask.fill(1, 0, 4);
    mask.fill(1, 7, 11);
    for (const p of PERMS.slice(2)) {
      const dims = [6, 2, 1];
      const want = runsFromMask(permuteVoxels(mask, { nx: 6, ny: 2, nz: 1 }, p), { nx: dims[p[0]], ny: dims[p[1]], nz: dims[p[2]] });
      expect(plain(permuteRuns(touching, p))).toEqual(plain(want));
    }
  });

  it('returns the runs themselves for the identity and refuses valued runs and bad permutations', () => {
    const runs = runsFromMask(randomMask(5, 4, 3, 9, 4), { nx: 5, ny: 4, nz: 3 });
    expect(permuteRuns(runs, [0, 1, 2])).toBe(runs);
    const valued = runsFromValues(new Uint8Array(60), { nx: 5, ny: 4, nz: 3 });
    expect(() => permuteRuns(valued, [2, 0, 1])).toThrow(RangeError);
    expect(() => permuteRuns(runs, [1, 1, 0])).toThrow(RangeError);
  });
});
