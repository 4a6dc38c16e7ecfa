/**
 * compareMasks against an obvious second implementation (surface voxels by
 * their six neighbours, distances by trying every pair of surface voxels)
 * on small random masks with anisotropic voxels, exactly; and on analytic
 * shapes: a box shifted by k voxels (Hausdorff k·s exactly), concentric
 * spheres (Hausdorff and mean distance near the difference of the radii,
 * Dice near 2r³/(r³+R³)).
 */
import { describe, expect, it } from 'vitest';
import { compareMasks, surfaceVoxels, type CompareGrid } from '../../../src/core/analysis/compareMasks';

/** Park–Miller generator: the same masks on every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

function bruteForce(a: Uint8Array, b: Uint8Array, g: CompareGrid) {
  const { nx, ny, nz } = g;
  const inside = (m: Uint8Array, x: number, y: number, z: number) => x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz && m[x + y * nx + z * nx * ny] !== 0;
  const surface = (m: Uint8Array) => {
    const pts: [number, number, number][] = [];
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      if (!inside(m, x, y, z)) continue;
      const nb: [number, number, number][] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
      if (nb.some(([dx, dy, dz]) => !inside(m, x + dx, y + dy, z + dz))) pts.push([x, y, z]);
    }
    return pts;
  };
  const [sx, sy, sz] = g.spacingMmXyz;
  const nearest = (p: number[], set: number[][]) => Math.min(...set.map((q) => Math.hypot((p[0] - q[0]) * sx, (p[1] - q[1]) * sy, (p[2] - q[2]) * sz)));
  const sa = surface(a);
  const sb = surface(b);
  const dab = sa.map((p) => nearest(p, sb));
  const dba = sb.map((p) => nearest(p, sa));
  let va = 0;
  let vb = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    va += a[i] ? 1 : 0;
    vb += b[i] ? 1 : 0;
    both += a[i] && b[i] ? 1 : 0;
  }
  const all = [...dab, ...dba];
  return {
    dice: (2 * both) / (va + vb),
    surfaceA: sa.length,
    surfaceB: sb.length,
    hausdorff: Math.max(...all),
    mean: all.reduce((s, d) => s + d, 0) / all.length,
    volumeDiffMl: ((vb - va) * sx * sy * sz) / 1000,
  };
}

describe('compareMasks', () => {
  it('equals the brute-force Dice, surfaces and distances on random masks with anisotropic voxels', () => {
    const next = rng(17);
    for (let trial = 0; trial < 40; trial++) {
      const g: CompareGrid = { nx: 3 + Math.floor(next() * 9), ny: 3 + Math.floor(next() * 8), nz: 2 + Math.floor(next() * 6), spacingMmXyz: [0.4 + next(), 0.4 + next(), 0.5 + 3 * next()] };
      const n = g.nx * g.ny * g.nz;
      const pa = 0.2 + 0.6 * next();
      const pb = 0.05 + 0.6 * next();
      const a = Uint8Array.from({ length: n }, () => (next() < pa ? 1 : 0));
      const b = Uint8Array.from({ length: n }, () => (next() < pb ? 1 : 0));
      a[Math.floor(next() * n)] = 1;
      b[Math.floor(next() * n)] = 1;
      const r = compareMasks(a, b, g);
      const ref = bruteForce(a, b, g);
      expect(r.dice).toBeCloseTo(ref.dice, 12);
      expect(r.surfaceVoxelsA).toBe(ref.surfaceA);
      expect(r.surfaceVoxelsB).toBe(ref.surfaceB);
      expect(r.hausdorffMm).toBeCloseTo(ref.hausdorff, 9);
      expect(r.meanSurfaceMm).toBeCloseTo(ref.mean, 9);
      expect(r.volumeDiffMl).toBeCloseTo(ref.volumeDiffMl, 12);
    }
  });

  it('sparse masks far apart (a single voxel each, empty lines in the transform)', () => {
    const g: CompareGrid = { nx: 20, ny: 15, nz: 9, spacingMmXyz: [0.7, 0.9, 2.5] };
    const a = new Uint8Array(20 * 15 * 9);
    const b = new Uint8Array(20 * 15 * 9);
    a[1 + 2 * 20 + 1 * 300] = 1;
    b[18 + 13 * 20 + 8 * 300] = 1;
    const r = compareMasks(a, b, g);
    const d = Math.hypot(17 * 0.7, 11 * 0.9, 7 * 2.5);
    expect(r.hausdorffMm).toBeCloseTo(d, 10);
    expect(r.meanSurfaceMm).toBeCloseTo(d, 10);
    expect(r.dice).toBe(0);
  });

  it('a box shifted by k voxels along x: Hausdorff k·sx, Dice and volumes exact', () => {
    const g: CompareGrid = { nx: 40, ny: 30, nz: 20, spacingMmXyz: [0.8, 1.3, 2.5] };
    const box = (x0: number) => {
      const m = new Uint8Array(40 * 30 * 20);
      for (let z = 5; z < 15; z++) for (let y = 8; y < 22; y++) for (let x = x0; x < x0 + 12; x++) m[x + y * 40 + z * 1200] = 1;
      return m;
    };
    const r = compareMasks(box(10), box(13), g);
    expect(r.hausdorffMm).toBeCloseTo(3 * 0.8, 12);
    expect(r.dice).toBeCloseTo((2 * 9) / 24, 12);
    expect(r.volumeDiffMl).toBe(0);
    expect(r.volumeDiffPct).toBe(0);
  });

  it('concentric spheres: distances near R − r, Dice near 2r³/(r³ + R³)', () => {
    const s = 0.5;
    const n = 64;
    const g: CompareGrid = { nx: n, ny: n, nz: n, spacingMmXyz: [s, s, s] };
    const sphere = (r: number) => {
      const m = new Uint8Array(n * n * n);
      const c = (n - 1) / 2;
      for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
        if (Math.hypot((x - c) * s, (y - c) * s, (z - c) * s) <= r) m[x + y * n + z * n * n] = 1;
      }
      return m;
    };
    const r1 = 10;
    const r2 = 13;
    const r = compareMasks(sphere(r1), sphere(r2), g);
    expect(Math.abs(r.hausdorffMm! - (r2 - r1))).toBeLessThan(s * Math.sqrt(3));
    expect(Math.abs(r.meanSurfaceMm! - (r2 - r1))).toBeLessThan(s);
    expect(r.dice).toBeCloseTo((2 * r1 ** 3) / (r1 ** 3 + r2 ** 3), 2);
    const volume = (rad: number) => (4 / 3) * Math.PI * rad ** 3 / 1000;
    expect(r.volumeDiffMl).toBeCloseTo(volume(r2) - volume(r1), 1);
    const same = compareMasks(sphere(r1), sphere(r1), g);
    expect(same).toMatchObject({ dice: 1, hausdorffMm: 0, meanSurfaceMm: 0, volumeDiffMl: 0 });
  });

  it('an empty mask gives no distances, and surface voxels include the grid border', () => {
    const g: CompareGrid = { nx: 3, ny: 3, nz: 3, spacingMmXyz: [1, 1, 1] };
    const full = new Uint8Array(27).fill(1);
    expect(Array.from(surfaceVoxels(full, g)).filter((v) => v).length).toBe(26);
    const r = compareMasks(full, new Uint8Array(27), g);
    expect(r).toMatchObject({ dice: 0, hausdorffMm: null, meanSurfaceMm: null, volumeDiffPct: -100 });
  });
});
