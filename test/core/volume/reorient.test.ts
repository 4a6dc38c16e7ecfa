import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import {
  axialOrderOf,
  fromAxialData,
  fromAxialMask,
  inversePermutation,
  isAxialOrdered,
  permuteGeometry,
  permuteVoxels,
  toAxialMask,
  toAxialVolume,
  type AxisPermutation, AXIS_PERMUTATIONS } from '../../../src/core/volume/reorient';
import { voxelToPatientMm, type Mask, type Vec3, type Volume, type VolumeGeometry } from '../../../src/core/volume/volume';
import { CORONAL_DICOM, reslicer, resliceVolume, SAGITTAL_DICOM, SAGITTAL_PERMUTED, type ResliceAxes } from '../../helpers/reslice';

const PERMS = AXIS_PERMUTATIONS;

const AXIAL_DIRS: [Vec3, Vec3, Vec3] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

function geometry(nx: number, ny: number, nz: number, directionXyz: [Vec3, Vec3, Vec3]): VolumeGeometry {
  return { nx, ny, nz, spacingMmXyz: [0.7, 0.8, 2.5], originMm: [-120, -95, 40], directionXyz };
}

/** Rotation matrix rows for angle (radians) about patient axis `axis`. */
function rotation(axis: 0 | 1 | 2, angle: number): [Vec3, Vec3, Vec3] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const r: Vec3[] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const [i, j] = axis === 0 ? [1, 2] : axis === 1 ? [2, 0] : [0, 1];
  r[i][i] = c;
  r[i][j] = -s;
  r[j][i] = s;
  r[j][j] = c;
  return r as [Vec3, Vec3, Vec3];
}

/** Directions d rotated by R (each direction vector multiplied by R). */
function rotate(d: [Vec3, Vec3, Vec3], r: [Vec3, Vec3, Vec3]): [Vec3, Vec3, Vec3] {
  return d.map((v) => [0, 1, 2].map((k) => r[k][0] * v[0] + r[k][1] * v[1] + r[k][2] * v[2]) as Vec3) as [Vec3, Vec3, Vec3];
}

/** Plain reference: result voxel v with v[a] = u[perm[a]] holds source voxel u. */
function naivePermute(src: ArrayLike<number>, nx: number, ny: number, nz: number, perm: AxisPermutation): number[] {
  const n = [nx, ny, nz];
  const m = [n[perm[0]], n[perm[1]], n[perm[2]]];
  const out = new Array<number>(src.length).fill(-9999);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const u = [x, y, z];
        const v = [u[perm[0]], u[perm[1]], u[perm[2]]];
        out[v[0] + v[1] * m[0] + v[2] * m[0] * m[1]] = src[x + y * nx + z * nx * ny];
      }
    }
  }
  return out;
}

/** Number of indices where a and b differ (and -1 when their lengths differ). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function randomI16(n: number, seed: number): Int16Array {
  const rnd = mulberry32(seed);
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rnd() * 65536) - 32768;
  return a;
}

function randomU8(n: number, seed: number): Uint8Array {
  const rnd = mulberry32(seed);
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rnd() * 256);
  return a;
}

describe('axialOrderOf', () => {
  it('gives the identity for axial stacks: head-first, feet-first, flipped rows, tilted by up to 30°', () => {
    const cases: [Vec3, Vec3, Vec3][] = [
      AXIAL_DIRS,
      [[-1, 0, 0], [0, 1, 0], [0, 0, -1]],
      [[1, 0, 0], [0, -1, 0], [0, 0, -1]],
      rotate(AXIAL_DIRS, rotation(0, (30 * Math.PI) / 180)),
      rotate(AXIAL_DIRS, rotation(1, (-25 * Math.PI) / 180)),
      rotate(AXIAL_DIRS, rotation(2, (20 * Math.PI) / 180)),
    ];
    for (const d of cases) {
      const o = axialOrderOf({ directionXyz: d });
      expect(o.perm).toEqual([0, 1, 2]);
      expect(o.identity).toBe(true);
      expect(isAxialOrdered({ directionXyz: d })).toBe(true);
    }
  });

  it('reorders DICOM sagittal (rows AP, columns SI, slices RL) and coronal (rows LR, columns SI, slices AP) stacks', () => {
    // ImageOrientationPatient 0\1\0\0\0\-1: normal = row × column = (-1, 0, 0).
    const sagittal: [Vec3, Vec3, Vec3] = [[0, 1, 0], [0, 0, -1], [-1, 0, 0]];
    // ImageOrientationPatient 1\0\0\0\0\-1: normal = (0, 1, 0).
    const coronal: [Vec3, Vec3, Vec3] = [[1, 0, 0], [0, 0, -1], [0, 1, 0]];
    const s = axialOrderOf({ directionXyz: sagittal });
    expect(s.perm).toEqual([2, 0, 1]);
    expect(s.inverse).toEqual([1, 2, 0]);
    expect(s.identity).toBe(false);
    expect(axialOrderOf({ directionXyz: coronal }).perm).toEqual([0, 2, 1]);
    // Oblique versions (20° about the other axes) still count as sagittal / coronal.
    expect(axialOrderOf({ directionXyz: rotate(sagittal, rotation(2, 0.35)) }).perm).toEqual([2, 0, 1]);
    expect(axialOrderOf({ directionXyz: rotate(coronal, rotation(0, -0.35)) }).perm).toEqual([0, 2, 1]);
  });

  it('for every signed axis permutation, puts LR on x, AP on y, SI on z', () => {
    for (const p of PERMS) {
      for (let signs = 0; signs < 8; signs++) {
        // Index axis i runs along patient axis p[i], with sign bit i of `signs`.
        const d = [0, 1, 2].map((i) => {
          const v: Vec3 = [0, 0, 0];
          v[p[i]] = (signs >> i) & 1 ? -1 : 1;
          return v;
        }) as [Vec3, Vec3, Vec3];
        const g = geometry(3, 4, 5, d);
        const o = axialOrderOf(g);
        expect(o.perm).toEqual([0, 1, 2].map((axis) => p.indexOf(axis)));
        const a = permuteGeometry(g, o.perm);
        for (let k = 0; k < 3; k++) expect(Math.abs(a.directionXyz[k][k])).toBe(1);
        expect(o.identity).toBe(p[0] === 0 && p[1] === 1 && p[2] === 2);
      }
    }
  });

  it('still returns a permutation for a 45° oblique stack, keeping the axis that is clear', () => {
    const d = rotate(AXIAL_DIRS, rotation(2, Math.PI / 4));
    const o = axialOrderOf({ directionXyz: d });
    expect([...o.perm].sort()).toEqual([0, 1, 2]);
    expect(o.perm[2]).toBe(2);
  });
});

describe('inversePermutation', () => {
  it('undoes every permutation', () => {
    for (const p of PERMS) {
      const q = inversePermutation(p);
      for (let a = 0; a < 3; a++) {
        expect(q[p[a]]).toBe(a);
        expect(p[q[a]]).toBe(a);
      }
    }
  });
});

describe('permuteVoxels', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [37, 5, 70],
    [70, 33, 3],
    [3, 130, 17],
    [64, 64, 9],
    [5, 1, 200],
  ];

  it('matches a voxel-by-voxel reference for all 6 permutations, Int16 and Uint8, sizes off the tile size', () => {
    let seed = 1;
    for (const [nx, ny, nz] of sizes) {
      const n = nx * ny * nz;
      const hu = randomI16(n, seed++);
      const m = randomU8(n, seed++);
      for (const p of PERMS) {
        expect(differing(permuteVoxels(hu, { nx, ny, nz }, p), naivePermute(hu, nx, ny, nz, p))).toBe(0);
        expect(differing(permuteVoxels(m, { nx, ny, nz }, p), naivePermute(m, nx, ny, nz, p))).toBe(0);
      }
    }
  });

  it('round-trips: the inverse permutation on the permuted grid gives the data back', () => {
    let seed = 100;
    for (const [nx, ny, nz] of sizes) {
      const n = nx * ny * nz;
      const hu = randomI16(n, seed++);
      const m = randomU8(n, seed++);
      const dims = [nx, ny, nz];
      for (const p of PERMS) {
        const size = { nx: dims[p[0]], ny: dims[p[1]], nz: dims[p[2]] };
        const q = inversePermutation(p);
        const p16 = permuteVoxels(hu, { nx, ny, nz }, p);
        const p8 = permuteVoxels(m, { nx, ny, nz }, p);
        expect(differing(permuteVoxels(p16, size, q), hu)).toBe(0);
        expect(differing(permuteVoxels(p8, size, q), m)).toBe(0);
      }
    }
  });

  it('writes into `out` when given, and refuses wrong sizes, shared buffers and non-permutations', () => {
    const src = randomI16(4 * 5 * 6, 7);
    const out = new Int16Array(src.length);
    expect(permuteVoxels(src, { nx: 4, ny: 5, nz: 6 }, [2, 0, 1], out)).toBe(out);
    expect(Array.from(out)).toEqual(naivePermute(src, 4, 5, 6, [2, 0, 1]));
    expect(() => permuteVoxels(src, { nx: 4, ny: 5, nz: 7 }, [2, 0, 1])).toThrow(RangeError);
    expect(() => permuteVoxels(src, { nx: 4, ny: 5, nz: 6 }, [2, 0, 1], new Int16Array(10))).toThrow(RangeError);
    expect(() => permuteVoxels(src, { nx: 4, ny: 5, nz: 6 }, [2, 0, 1], src)).toThrow(RangeError);
    expect(() => permuteVoxels(src, { nx: 4, ny: 5, nz: 6 }, [0, 0, 1])).toThrow(RangeError);
    expect(() => permuteVoxels(src, { nx: 4, ny: 5, nz: 6 }, [0, 1, 3])).toThrow(RangeError);
  });
});

describe('permuteGeometry and the voxel copies keep every voxel at its patient position', () => {
  it('voxelToPatientMm of a permuted voxel equals that of the original voxel, which holds the same value', () => {
    const rnd = mulberry32(42);
    const [nx, ny, nz] = [7, 11, 5];
    const hu = randomI16(nx * ny * nz, 43);
    const dirs = rotate(rotate([[0, 1, 0], [0, 0, -1], [-1, 0, 0]], rotation(0, 0.3)), rotation(1, -0.2));
    const g: VolumeGeometry = { nx, ny, nz, spacingMmXyz: [0.6, 0.9, 3], originMm: [12.5, -40, 230], directionXyz: dirs };
    for (const p of PERMS) {
      const pg = permuteGeometry(g, p);
      const data = permuteVoxels(hu, g, p);
      for (let t = 0; t < 50; t++) {
        const u = [Math.floor(rnd() * nx), Math.floor(rnd() * ny), Math.floor(rnd() * nz)];
        const v = [u[p[0]], u[p[1]], u[p[2]]];
        const a = voxelToPatientMm(g, u[0], u[1], u[2]);
        const b = voxelToPatientMm(pg, v[0], v[1], v[2]);
        for (let k = 0; k < 3; k++) expect(b[k]).toBeCloseTo(a[k], 9);
        expect(data[v[0] + v[1] * pg.nx + v[2] * pg.nx * pg.ny]).toBe(hu[u[0] + u[1] * nx + u[2] * nx * ny]);
      }
    }
  });

  it('toAxialVolume of a resliced axial stack holds, at each voxel, the axial HU at the same patient position', () => {
    const [nx, ny, nz] = [9, 8, 6];
    const axial: Volume = { ...geometry(nx, ny, nz, AXIAL_DIRS), hu: randomI16(nx * ny * nz, 5) };
    for (const axes of [SAGITTAL_DICOM, CORONAL_DICOM, SAGITTAL_PERMUTED] as ResliceAxes[]) {
      const stack = resliceVolume(axial, reslicer(axial, axes));
      expect(isAxialOrdered(stack)).toBe(false);
      const a = toAxialVolume(stack);
      expect([a.nx, a.ny, a.nz]).toEqual([nx, ny, nz]);
      for (let k = 0; k < 3; k++) expect(Math.abs(a.directionXyz[k][k])).toBe(1);
      for (let z = 0; z < a.nz; z++) {
        for (let y = 0; y < a.ny; y++) {
          for (let x = 0; x < a.nx; x++) {
            const pos = voxelToPatientMm(a, x, y, z);
            // Axial stack: identity directions, so the index is (pos - origin) / spacing.
            const u = [0, 1, 2].map((k) => Math.round((pos[k] - axial.originMm[k]) / axial.spacingMmXyz[k]));
            expect(a.hu[x + y * a.nx + z * a.nx * a.ny]).toBe(axial.hu[u[0] + u[1] * nx + u[2] * nx * ny]);
          }
        }
      }
    }
  });

  it('a bare permutation of an axial stack comes back as exactly that stack', () => {
    const axial: Volume = { ...geometry(9, 8, 6, AXIAL_DIRS), hu: randomI16(9 * 8 * 6, 6) };
    const back = toAxialVolume(resliceVolume(axial, reslicer(axial, SAGITTAL_PERMUTED)));
    expect(back).toEqual(axial);
  });
});

describe('toAxialVolume / toAxialMask / fromAxialMask', () => {
  it('return the input itself (no copy) for an axial stack', () => {
    const v: Volume = { ...geometry(4, 3, 2, [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]), hu: randomI16(24, 1) };
    const m: Mask = { ...geometry(4, 3, 2, AXIAL_DIRS), data: randomU8(24, 2) };
    const o = axialOrderOf(m);
    expect(toAxialVolume(v)).toBe(v);
    expect(toAxialMask(m)).toBe(m);
    expect(fromAxialMask(m, m, o)).toBe(m);
    expect(fromAxialData(m.data, m, o)).toBe(m.data);
  });

  it('fromAxialMask(toAxialMask(m)) is m, data and geometry, for sagittal and coronal masks', () => {
    for (const d of [
      [[0, 1, 0], [0, 0, -1], [-1, 0, 0]],
      [[1, 0, 0], [0, 0, -1], [0, 1, 0]],
      [[0, 0, -1], [0, 1, 0], [1, 0, 0]],
    ] as [Vec3, Vec3, Vec3][]) {
      const m: Mask = { ...geometry(13, 7, 22, d), data: randomU8(13 * 7 * 22, 9) };
      const o = axialOrderOf(m);
      const a = toAxialMask(m, o);
      expect(a.data).not.toBe(m.data);
      const back = fromAxialMask(a, m, o);
      expect(back).toEqual(m);
      expect(fromAxialData(a.data, m, o)).toEqual(m.data);
    }
  });
});
