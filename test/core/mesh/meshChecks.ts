/**
 * Helpers for the mesh tests: masks on simple grids, a topology check of a
 * triangle mesh, and a second, deliberately plain marching-cubes sweep
 * (physically padded copy, every cube visited, vertices welded through a Map)
 * to compare the fast one against.
 */
import type { Mask, Vec3 } from '../../../src/core/volume/volume';
import { voxelToPatientMm } from '../../../src/core/volume/volume';
import { cubeTable, EDGE_CORNERS } from '../../../src/core/mesh/marchingCubesTables';
import type { Mesh } from '../../../src/core/mesh/mesh';
import { mulberry32 } from '../../../src/core/random/mulberry32';

export const IDENTITY: [Vec3, Vec3, Vec3] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];

export function makeMask(
  nx: number, ny: number, nz: number, data: Uint8Array,
  spacingMmXyz: Vec3 = [1, 1, 1], originMm: Vec3 = [0, 0, 0], directionXyz: [Vec3, Vec3, Vec3] = IDENTITY,
): Mask {
  return { nx, ny, nz, data, spacingMmXyz, originMm, directionXyz };
}

/** A mask filled by a predicate on voxel indices. */
export function maskFrom(
  nx: number, ny: number, nz: number, inside: (x: number, y: number, z: number) => boolean,
  spacingMmXyz: Vec3 = [1, 1, 1],
): Mask {
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    if (inside(x, y, z)) data[x + y * nx + z * nx * ny] = 1;
  }
  return makeMask(nx, ny, nz, data, spacingMmXyz);
}

export const rng = mulberry32;

export interface TopologyReport {
  /** Undirected edges not used by exactly two triangles. */
  badEdges: number;
  /** Directed edges (a -> b) used by more than one triangle: inconsistent orientation. */
  repeatedDirectedEdges: number;
  /** Triangles with a repeated vertex id. */
  degenerateTriangles: number;
  /** Vertices used by no triangle. */
  unusedVertices: number;
}

function countRuns(keys: Float64Array, isBad: (run: number) => boolean): number {
  keys.sort();
  let bad = 0;
  for (let i = 0; i < keys.length;) {
    let j = i + 1;
    while (j < keys.length && keys[j] === keys[i]) j++;
    if (isBad(j - i)) bad++;
    i = j;
  }
  return bad;
}

export function topology(mesh: Pick<Mesh, 'positionsMm' | 'indices'>): TopologyReport {
  const nv = mesh.positionsMm.length / 3;
  const idx = mesh.indices;
  const und = new Float64Array(idx.length);
  const dir = new Float64Array(idx.length);
  const used = new Uint8Array(nv);
  let degenerateTriangles = 0;
  for (let t = 0; t < idx.length; t += 3) {
    for (let k = 0; k < 3; k++) {
      const a = idx[t + k], b = idx[t + ((k + 1) % 3)];
      used[a] = 1;
      und[t + k] = Math.min(a, b) * nv + Math.max(a, b);
      dir[t + k] = a * nv + b;
    }
    if (idx[t] === idx[t + 1] || idx[t + 1] === idx[t + 2] || idx[t] === idx[t + 2]) degenerateTriangles++;
  }
  let unusedVertices = 0;
  for (let v = 0; v < nv; v++) if (!used[v]) unusedVertices++;
  return {
    badEdges: countRuns(und, (n) => n !== 2),
    repeatedDirectedEdges: countRuns(dir, (n) => n > 1),
    degenerateTriangles,
    unusedVertices,
  };
}

export const CLOSED: TopologyReport = { badEdges: 0, repeatedDirectedEdges: 0, degenerateTriangles: 0, unusedVertices: 0 };

/** Number of vertex positions that occur more than once. */
export function duplicatePositions(mesh: Pick<Mesh, 'positionsMm'>): number {
  const seen = new Set<string>();
  let dup = 0;
  const p = mesh.positionsMm;
  for (let i = 0; i < p.length; i += 3) {
    const k = `${p[i]},${p[i + 1]},${p[i + 2]}`;
    if (seen.has(k)) dup++;
    seen.add(k);
  }
  return dup;
}

/** Number of grid edges (between sampled points, with a 0 border when padded) whose ends differ. */
export function crossingEdges(mask: Mask, step = 1, padded = true): number {
  const { nx, ny, nz, data } = mask;
  const mx = Math.floor((nx - 1) / step) + 1, my = Math.floor((ny - 1) / step) + 1, mz = Math.floor((nz - 1) / step) + 1;
  const v = (x: number, y: number, z: number) =>
    x < 0 || y < 0 || z < 0 || x >= mx || y >= my || z >= mz ? 0 : data[x * step + y * step * nx + z * step * nx * ny] ? 1 : 0;
  const lo = padded ? -1 : 0;
  let n = 0;
  for (let z = lo; z < mz + (padded ? 1 : 0); z++) for (let y = lo; y < my + (padded ? 1 : 0); y++) for (let x = lo; x < mx + (padded ? 1 : 0); x++) {
    const here = v(x, y, z);
    if (x + 1 < mx + (padded ? 1 : 0) && v(x + 1, y, z) !== here) n++;
    if (y + 1 < my + (padded ? 1 : 0) && v(x, y + 1, z) !== here) n++;
    if (z + 1 < mz + (padded ? 1 : 0) && v(x, y, z + 1) !== here) n++;
  }
  return n;
}

/**
 * Plain marching cubes with the same tables: pads a copy of the sampled
 * grid, visits every cube, welds vertices with a Map keyed by grid edge.
 */
export function naiveMarchingCubes(mask: Mask, step = 1, closeBorders = true): Mesh {
  const { nx, ny, nz, data } = mask;
  const mx = Math.floor((nx - 1) / step) + 1, my = Math.floor((ny - 1) / step) + 1, mz = Math.floor((nz - 1) / step) + 1;
  const px = mx + 2, py = my + 2, pz = mz + 2;
  const grid = new Uint8Array(px * py * pz);
  for (let z = 0; z < mz; z++) for (let y = 0; y < my; y++) for (let x = 0; x < mx; x++) {
    grid[x + 1 + (y + 1) * px + (z + 1) * px * py] = data[x * step + y * step * nx + z * step * nx * ny] ? 1 : 0;
  }
  const [sx, sy, sz] = mask.spacingMmXyz;
  const [dx, dy, dz] = mask.directionXyz;
  const m = [dx, dy, dz].map((d, k) => d.map((c) => c * [sx, sy, sz][k]));
  const det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
    + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  // m holds the scaled directions as rows; its determinant is that of the voxel-to-patient map.
  const table = cubeTable(det < 0);
  const vid = new Map<string, number>();
  const pos: number[] = [];
  const tri: number[] = [];
  const lo = closeBorders ? 0 : 1;
  const hiX = closeBorders ? px - 1 : px - 2, hiY = closeBorders ? py - 1 : py - 2, hiZ = closeBorders ? pz - 1 : pz - 2;
  for (let z = lo; z < hiZ; z++) for (let y = lo; y < hiY; y++) for (let x = lo; x < hiX; x++) {
    let cfg = 0;
    for (let b = 0; b < 8; b++) {
      if (grid[x + (b & 1) + (y + ((b >> 1) & 1)) * px + (z + ((b >> 2) & 1)) * px * py]) cfg |= 1 << b;
    }
    for (let t = table.triStart[cfg]; t < table.triStart[cfg + 1]; t++) {
      const [a, b] = EDGE_CORNERS[table.triEdges[t]];
      // Edge midpoint in sampled-grid units without the padding offset.
      const gx = x - 1 + ((a & 1) + (b & 1)) / 2;
      const gy = y - 1 + (((a >> 1) & 1) + ((b >> 1) & 1)) / 2;
      const gz = z - 1 + (((a >> 2) & 1) + ((b >> 2) & 1)) / 2;
      const key = `${gx},${gy},${gz}`;
      let id = vid.get(key);
      if (id === undefined) {
        id = pos.length / 3;
        vid.set(key, id);
        pos.push(...voxelToPatientMm(mask, gx * step, gy * step, gz * step));
      }
      tri.push(id);
    }
  }
  return { positionsMm: Float32Array.from(pos), indices: Uint32Array.from(tri), normals: new Float32Array(pos.length) };
}

/**
 * The triangles of a mesh as a sorted list of strings of rounded corner
 * positions, each triangle rotated to start at its smallest corner (so the
 * winding is kept): equal lists mean equal oriented surfaces.
 */
export function triangleSet(mesh: Pick<Mesh, 'positionsMm' | 'indices'>, digits = 3): string[] {
  const p = mesh.positionsMm;
  const idx = mesh.indices;
  const out: string[] = [];
  const key = (v: number) => `${p[v * 3].toFixed(digits)},${p[v * 3 + 1].toFixed(digits)},${p[v * 3 + 2].toFixed(digits)}`;
  for (let t = 0; t < idx.length; t += 3) {
    const k = [key(idx[t]), key(idx[t + 1]), key(idx[t + 2])];
    let r = 0;
    if (k[1] < k[r]) r = 1;
    if (k[2] < k[r]) r = 2;
    out.push(`${k[r]}|${k[(r + 1) % 3]}|${k[(r + 2) % 3]}`);
  }
  return out.sort();
}

/**
 * Masks the fast sweeps are checked on: an oblique, anisotropic blob with
 * holes (rows not word aligned) and a mask touching the array borders.
 */
export function comparisonMasks(seed: number): Mask[] {
  const r = rng(seed);
  const blob = maskFrom(31, 26, 21, (x, y, z) => {
    const d = ((x - 14) / 11) ** 2 + ((y - 12) / 9) ** 2 + ((z - 10) / 8) ** 2;
    return d < 1 && r() < 0.93;
  });
  const c = Math.cos(0.3), s = Math.sin(0.3);
  blob.spacingMmXyz = [0.7, 0.8, 2.5];
  blob.originMm = [-120.5, 33.25, 410];
  blob.directionXyz = [[c, s, 0], [-s, c, 0], [0, 0, 1]];
  const edge = maskFrom(16, 14, 9, (x, y, z) => (x < 6 || y > 10 || z === 0) && r() < 0.8);
  return [blob, edge];
}
