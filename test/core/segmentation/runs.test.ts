import { describe, expect, it } from 'vitest';
import {
  complementRuns,
  differenceRuns,
  erodeRuns2d,
  paintRunDifference,
  paintRuns,
  pickRuns,
  runAt,
  runsFromMask,
  runsFromThreshold,
  runsOfValue,
  runVoxelCount,
  selectRuns,
  type GridDims,
  type RunSet,
} from '../../../src/core/segmentation/runs';
import { mulberry32 } from '../../../src/core/random/mulberry32';

const rng = mulberry32;

function randomMask(d: GridDims, density: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(d.nx * d.ny * d.nz);
  for (let i = 0; i < out.length; i++) out[i] = i % d.nx !== 0 && r() < 0.85 ? out[i - 1] : r() < density ? 1 : 0;
  return out;
}

const toMask = (runs: RunSet) => paintRuns(runs, new Uint8Array(runs.nx * runs.ny * runs.nz));

/** Runs are maximal: sorted, inside the row, non-empty, separated by at least one voxel. */
function expectWellFormed(runs: RunSet): void {
  for (let r = 0; r < runs.ny * runs.nz; r++) {
    for (let k = runs.rowStart[r]; k < runs.rowStart[r + 1]; k++) {
      expect(runs.x0[k]).toBeGreaterThanOrEqual(0);
      expect(runs.x1[k]).toBeLessThanOrEqual(runs.nx);
      expect(runs.x1[k]).toBeGreaterThan(runs.x0[k]);
      if (k > runs.rowStart[r]) expect(runs.x0[k]).toBeGreaterThan(runs.x1[k - 1]);
    }
  }
}

const dims: GridDims[] = [
  { nx: 1, ny: 1, nz: 1 },
  { nx: 9, ny: 7, nz: 3 },
  { nx: 33, ny: 21, nz: 5 },
];

describe('runs', () => {
  it('runsFromMask round-trips through paintRuns and counts voxels', () => {
    let seed = 1;
    for (const d of dims) {
      for (const density of [0, 0.2, 0.6, 1]) {
        const m = randomMask(d, density, seed++);
        const runs = runsFromMask(m, d);
        expectWellFormed(runs);
        expect(toMask(runs)).toEqual(m);
        expect(runVoxelCount(runs)).toBe(m.reduce((a, b) => a + b, 0));
      }
    }
  });

  it('runsOfValue and runsFromThreshold select the right voxels', () => {
    const d = { nx: 17, ny: 6, nz: 4 };
    const r = rng(7);
    const v = new Uint8Array(d.nx * d.ny * d.nz).map(() => Math.floor(r() * 3));
    expect(toMask(runsOfValue(v, d, 2))).toEqual(v.map((x) => (x === 2 ? 1 : 0)));
    const hu = Int16Array.from(v, (x, i) => x * 300 - 1000 + (i % 5));
    expect(toMask(runsFromThreshold(hu, d, -700, 'below'))).toEqual(Uint8Array.from(hu, (x) => (x < -700 ? 1 : 0)));
    expect(toMask(runsFromThreshold(hu, d, -700, 'atOrAbove'))).toEqual(Uint8Array.from(hu, (x) => (x >= -700 ? 1 : 0)));
  });

  it('runsFromThreshold matches a voxel-wise test for any row length, value and threshold', () => {
    const r = rng(19);
    for (const nx of [1, 7, 8, 9, 16, 33]) {
      const d = { nx, ny: 5, nz: 3 };
      // Long runs of one side with single voxels of the other, over the whole int16 range.
      const hu = new Int16Array(nx * d.ny * d.nz);
      for (let i = 0; i < hu.length; i++) hu[i] = r() < 0.8 && i > 0 ? hu[i - 1] : Math.floor(r() * 65536) - 32768;
      for (const t of [-32768, -701, -700, -699.5, 0, 1, 32767, 32768]) {
        expect(toMask(runsFromThreshold(hu, d, t, 'below')), `nx ${nx} below ${t}`).toEqual(Uint8Array.from(hu, (x) => (x < t ? 1 : 0)));
        expect(toMask(runsFromThreshold(hu, d, t, 'atOrAbove')), `nx ${nx} atOrAbove ${t}`).toEqual(Uint8Array.from(hu, (x) => (x >= t ? 1 : 0)));
      }
    }
  });

  it('complementRuns and selectRuns match voxel-wise set operations', () => {
    const d = { nx: 25, ny: 9, nz: 4 };
    const m = randomMask(d, 0.5, 11);
    const runs = runsFromMask(m, d);
    const comp = complementRuns(runs);
    expectWellFormed(comp);
    expect(toMask(comp)).toEqual(m.map((x) => 1 - x));
    const r = rng(3);
    const sel = new Uint8Array(runs.count).map(() => (r() < 0.5 ? 1 : 0));
    const picked = paintRuns(runs, new Uint8Array(m.length), 1, sel);
    const s = selectRuns(runs, sel);
    expectWellFormed(s);
    expect(toMask(s)).toEqual(picked);
    const cs = complementRuns(runs, sel);
    expectWellFormed(cs);
    expect(toMask(cs)).toEqual(picked.map((x) => 1 - x));
  });

  it('differenceRuns and paintRunDifference equal the voxel-wise a AND NOT b on random masks of every density', () => {
    let seed = 200;
    for (const d of [...dims, { nx: 40, ny: 30, nz: 2 }]) {
      for (const da of [0, 0.3, 0.7, 1]) {
        for (const db of [0, 0.3, 0.7, 1]) {
          const a = randomMask(d, da, seed++);
          // b partly a copy of a (runs that share ends), partly independent.
          const r = rng(seed++);
          const indep = randomMask(d, db, seed++);
          const b = a.map((v, i) => (r() < 0.5 ? v : indep[i]));
          const got = differenceRuns(runsFromMask(a, d), runsFromMask(b, d));
          expectWellFormed(got);
          const want = a.map((v, i) => v & (1 - b[i]));
          expect(toMask(got)).toEqual(want);
          expect(runVoxelCount(got)).toBe(want.reduce((x, y) => x + y, 0));
          // Painted straight into a mask that already holds other values: only a AND NOT b changes.
          const painted = new Uint8Array(a.length).map((_, i) => (i % 3 === 0 ? 5 : 0));
          const n = paintRunDifference(runsFromMask(a, d), runsFromMask(b, d), painted, 2);
          expect(painted).toEqual(want.map((w, i) => (w ? 2 : i % 3 === 0 ? 5 : 0)));
          expect(n).toBe(runVoxelCount(got));
        }
      }
    }
    const r6 = runsFromMask(new Uint8Array(6), { nx: 6, ny: 1, nz: 1 });
    const r32 = runsFromMask(new Uint8Array(6), { nx: 3, ny: 2, nz: 1 });
    expect(() => differenceRuns(r6, r32)).toThrow(RangeError);
    expect(() => paintRunDifference(r6, r32, new Uint8Array(6))).toThrow(RangeError);
    expect(() => paintRunDifference(r6, r6, new Uint8Array(5))).toThrow(RangeError);
  });

  it('pickRuns keeps exactly the selected runs, row by row', () => {
    const d = { nx: 31, ny: 8, nz: 3 };
    const m = randomMask(d, 0.5, 17);
    const runs = runsFromMask(m, d);
    const r = rng(9);
    for (const p of [0, 0.5, 1]) {
      const sel = new Uint8Array(runs.count).map(() => (r() < p ? 1 : 0));
      const got = pickRuns(runs, sel);
      expectWellFormed(got);
      expect(got.count).toBe(sel.reduce((a, b) => a + b, 0));
      expect(toMask(got)).toEqual(paintRuns(runs, new Uint8Array(m.length), 1, sel));
    }
  });

  it('erodeRuns2d equals an in-plane 3×3 erosion, slice by slice, with the outside counted as empty', () => {
    let seed = 100;
    for (const d of [...dims, { nx: 40, ny: 30, nz: 2 }]) {
      for (const density of [0.5, 0.8, 0.95, 1]) {
        const m = randomMask(d, density, seed++);
        const want = new Uint8Array(m.length);
        for (let z = 0; z < d.nz; z++) {
          for (let y = 0; y < d.ny; y++) {
            for (let x = 0; x < d.nx; x++) {
              let all = 1;
              for (let dy = -1; dy <= 1; dy++) {
                for (let dx = -1; dx <= 1; dx++) {
                  const X = x + dx;
                  const Y = y + dy;
                  if (X < 0 || Y < 0 || X >= d.nx || Y >= d.ny || m[X + Y * d.nx + z * d.nx * d.ny] === 0) all = 0;
                }
              }
              want[x + y * d.nx + z * d.nx * d.ny] = all;
            }
          }
        }
        const got = erodeRuns2d(runsFromMask(m, d));
        expectWellFormed(got);
        expect(toMask(got)).toEqual(want);
      }
    }
  });

  it('runAt finds the run holding a voxel, -1 outside runs or the grid', () => {
    const d = { nx: 20, ny: 5, nz: 2 };
    const m = randomMask(d, 0.5, 5);
    const runs = runsFromMask(m, d);
    for (let z = 0; z < d.nz; z++) {
      for (let y = 0; y < d.ny; y++) {
        for (let x = 0; x < d.nx; x++) {
          const k = runAt(runs, x, y, z);
          if (m[x + y * d.nx + z * d.nx * d.ny] === 0) {
            expect(k).toBe(-1);
          } else {
            expect(runs.x0[k] <= x && x < runs.x1[k]).toBe(true);
            expect(k >= runs.rowStart[y + z * d.ny] && k < runs.rowStart[y + z * d.ny + 1]).toBe(true);
          }
        }
      }
    }
    expect(runAt(runs, 20, 0, 0)).toBe(-1);
    expect(runAt(runs, 0, 0, 2)).toBe(-1);
  });
});
