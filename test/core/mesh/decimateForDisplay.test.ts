import { describe, expect, it } from 'vitest';
import { decimateForDisplay } from '../../../src/core/mesh/decimateForDisplay';
import { marchingCubes } from '../../../src/core/mesh/marchingCubes';
import { meshAreaMm2, meshVolumeMl } from '../../../src/core/mesh/mesh';
import { maskFrom } from './meshChecks';

function bounds(p: Float32Array) {
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < p.length; i += 3) for (let k = 0; k < 3; k++) {
    lo[k] = Math.min(lo[k], p[i + k]);
    hi[k] = Math.max(hi[k], p[i + k]);
  }
  return { lo, hi };
}

describe('decimateForDisplay', () => {
  // Two balls joined by a bar: about 70,000 triangles.
  const mask = maskFrom(180, 100, 80, (x, y, z) =>
    (x - 44) ** 2 + (y - 50) ** 2 + (z - 40) ** 2 < 32 ** 2 ||
    (x - 136) ** 2 + (y - 50) ** 2 + (z - 40) ** 2 < 28 ** 2 ||
    (x > 44 && x < 136 && Math.abs(y - 50) < 8 && Math.abs(z - 40) < 8));
  mask.spacingMmXyz = [0.35, 0.35, 0.6];
  const mesh = marchingCubes(mask);
  const nt = mesh.indices.length / 3;

  it('meets the triangle budget and keeps the shape (area, volume, extent)', () => {
    for (const budget of [Math.floor(nt / 4), Math.floor(nt / 10)]) {
      const res = decimateForDisplay(mesh, budget);
      expect(res.triangleCount).toBe(res.mesh.indices.length / 3);
      expect(res.triangleCount).toBeLessThanOrEqual(budget);
      expect(res.triangleCount).toBeGreaterThan(budget / 4);
      expect(res.cellSizeMm).toBeGreaterThan(0);
      expect(Math.abs(meshVolumeMl(res.mesh) / meshVolumeMl(mesh) - 1)).toBeLessThan(0.05);
      expect(Math.abs(meshAreaMm2(res.mesh) / meshAreaMm2(mesh) - 1)).toBeLessThan(0.12);
      const a = bounds(mesh.positionsMm), b = bounds(res.mesh.positionsMm);
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(a.lo[k] - b.lo[k])).toBeLessThan(res.cellSizeMm);
        expect(Math.abs(a.hi[k] - b.hi[k])).toBeLessThan(res.cellSizeMm);
      }
    }
  });

  it('drops degenerate triangles and unused vertices, and gives unit normals', () => {
    const res = decimateForDisplay(mesh, Math.floor(nt / 10));
    const idx = res.mesh.indices;
    const nv = res.mesh.positionsMm.length / 3;
    const used = new Uint8Array(nv);
    for (let t = 0; t < idx.length; t += 3) {
      expect(idx[t] !== idx[t + 1] && idx[t + 1] !== idx[t + 2] && idx[t] !== idx[t + 2]).toBe(true);
      used[idx[t]] = used[idx[t + 1]] = used[idx[t + 2]] = 1;
    }
    expect(used.every((u) => u === 1)).toBe(true);
    const n = res.mesh.normals;
    expect(n.length).toBe(nv * 3);
    for (let i = 0; i < n.length; i += 3) expect(Math.hypot(n[i], n[i + 1], n[i + 2])).toBeCloseTo(1, 4);
  });

  it('returns a copy unchanged when the mesh is already within budget', () => {
    const res = decimateForDisplay(mesh, nt);
    expect(res.triangleCount).toBe(nt);
    expect(res.cellSizeMm).toBe(0);
    expect(res.mesh.positionsMm.every((v, i) => v === mesh.positionsMm[i])).toBe(true);
    expect(res.mesh.indices.every((v, i) => v === mesh.indices[i])).toBe(true);
    expect(res.mesh.indices === mesh.indices).toBe(false);
  });
});
