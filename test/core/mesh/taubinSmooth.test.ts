import { describe, expect, it } from 'vitest';
import { marchingCubes } from '../../../src/core/mesh/marchingCubes';
import { meshAreaMm2, meshVolumeMl } from '../../../src/core/mesh/mesh';
import { taubinSmooth, vertexNeighbours } from '../../../src/core/mesh/taubinSmooth';
import { CLOSED, maskFrom, rng, topology } from './meshChecks';

describe('taubinSmooth', () => {
  const r = rng(21);
  const blob = maskFrom(40, 36, 30, (x, y, z) => {
    const d = ((x - 19) / 15) ** 2 + ((y - 17) / 13) ** 2 + ((z - 14) / 11) ** 2;
    return d < 1 - 0.15 * r();
  });
  blob.spacingMmXyz = [0.8, 0.8, 2];
  const mesh = marchingCubes(blob);

  it('keeps the enclosed volume within 2 % and the triangles, while the area drops', () => {
    const before = mesh.positionsMm.slice();
    const smooth = taubinSmooth(mesh, { iterations: 30 });
    expect(mesh.positionsMm).toEqual(before); // input untouched
    expect(smooth.indices).toEqual(mesh.indices);
    expect(topology(smooth)).toEqual(CLOSED);
    expect(Math.abs(meshVolumeMl(smooth) / meshVolumeMl(mesh) - 1)).toBeLessThan(0.02);
    expect(meshAreaMm2(smooth)).toBeLessThan(0.97 * meshAreaMm2(mesh));
  });

  it('shrinks much less than plain Laplacian smoothing with the same number of steps', () => {
    // Plain Laplacian smoothing: 40 shrinking steps (lambda = 0.5), as many as 20 Taubin pairs.
    const taubin = meshVolumeMl(taubinSmooth(mesh, { iterations: 20 }));
    const { start, nbr } = vertexNeighbours(mesh.positionsMm.length / 3, mesh.indices);
    const p = Float64Array.from(mesh.positionsMm);
    const d = new Float64Array(p.length);
    for (let it = 0; it < 40; it++) {
      for (let v = 0; v < start.length - 1; v++) {
        let x = 0, y = 0, z = 0;
        for (let k = start[v]; k < start[v + 1]; k++) {
          x += p[nbr[k] * 3]; y += p[nbr[k] * 3 + 1]; z += p[nbr[k] * 3 + 2];
        }
        const m = start[v + 1] - start[v];
        d[v * 3] = x / m - p[v * 3]; d[v * 3 + 1] = y / m - p[v * 3 + 1]; d[v * 3 + 2] = z / m - p[v * 3 + 2];
      }
      for (let i = 0; i < p.length; i++) p[i] += 0.5 * d[i];
    }
    const laplace = meshVolumeMl({ positionsMm: Float32Array.from(p), indices: mesh.indices });
    const original = meshVolumeMl(mesh);
    expect(Math.abs(original - taubin)).toBeLessThan(0.25 * Math.abs(original - laplace));
  });

  it('lists every neighbour once on a closed surface', () => {
    const nv = mesh.positionsMm.length / 3;
    const { start, nbr } = vertexNeighbours(nv, mesh.indices);
    const undirected = new Set<number>();
    for (let t = 0; t < mesh.indices.length; t += 3) {
      for (let k = 0; k < 3; k++) {
        const a = mesh.indices[t + k], b = mesh.indices[t + ((k + 1) % 3)];
        undirected.add(Math.min(a, b) * nv + Math.max(a, b));
      }
    }
    expect(start[nv]).toBe(2 * undirected.size);
    for (let v = 0; v < nv; v++) {
      const list = Array.from(nbr.subarray(start[v], start[v + 1]));
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('with zero iterations returns the same surface, and rejects bad factors', () => {
    const same = taubinSmooth(mesh, { iterations: 0 });
    expect(same.positionsMm).toEqual(mesh.positionsMm);
    expect(same.normals).toEqual(mesh.normals);
    expect(() => taubinSmooth(mesh, { iterations: 1, lambda: 0.5, mu: -0.4 })).toThrow(RangeError);
    expect(() => taubinSmooth(mesh, { iterations: -1 })).toThrow(RangeError);
    expect(() => taubinSmooth(mesh, { iterations: 3, signal: { aborted: true } })).toThrow(/abort/);
  });
});
