/**
 * Vertex-clustering decimation for interactive display of very large meshes.
 *
 * Variant: Rossignac & Borrel, "Multi-resolution 3D approximations for
 * rendering complex scenes" (1993): space is cut into cubic cells of edge h
 * (mm), the vertices of one cell merge into one vertex at their mean, and
 * triangles whose corners fall into fewer than three cells are dropped.
 * Topology may change (thin parts collapse), the overall shape stays within
 * about one cell. h starts from the area of the surface (about two triangles
 * per cell crossed) and grows until the triangle count fits the budget.
 *
 * Cost: O(V + T) per attempt (usually 1-3 attempts); memory: an open-
 * addressing hash of the occupied cells (about 2 slots per vertex) plus the
 * output.
 */
import { computeVertexNormals, meshAreaMm2, type Mesh } from './mesh';

export interface DecimateForDisplayResult {
  mesh: Mesh;
  triangleCount: number;
  /** Cell edge used, in mm (0 when the mesh was already small enough). */
  cellSizeMm: number;
}

interface Clustered {
  positions: Float32Array;
  indices: Uint32Array;
}

function clusterOnce(mesh: Mesh, h: number, lo: [number, number, number]): Clustered {
  const p = mesh.positionsMm;
  const nv = p.length / 3;
  let cap = 1;
  while (cap < nv * 2) cap <<= 1;
  const mask = cap - 1;
  const keyX = new Int32Array(cap), keyY = new Int32Array(cap), keyZ = new Int32Array(cap);
  const slot = new Int32Array(cap).fill(-1); // cluster id stored in the slot, -1 = empty
  const clusterOf = new Int32Array(nv);
  const sum = new Float64Array(nv * 3);
  const cnt = new Int32Array(nv);
  let nc = 0;
  const inv = 1 / h;
  for (let v = 0; v < nv; v++) {
    const ix = Math.floor((p[v * 3] - lo[0]) * inv);
    const iy = Math.floor((p[v * 3 + 1] - lo[1]) * inv);
    const iz = Math.floor((p[v * 3 + 2] - lo[2]) * inv);
    let s = (Math.imul(ix, 73856093) ^ Math.imul(iy, 19349663) ^ Math.imul(iz, 83492791)) & mask;
    let c = -1;
    while (slot[s] !== -1) {
      if (keyX[s] === ix && keyY[s] === iy && keyZ[s] === iz) {
        c = slot[s];
        break;
      }
      s = (s + 1) & mask;
    }
    if (c === -1) {
      c = nc++;
      slot[s] = c;
      keyX[s] = ix; keyY[s] = iy; keyZ[s] = iz;
    }
    clusterOf[v] = c;
    sum[c * 3] += p[v * 3];
    sum[c * 3 + 1] += p[v * 3 + 1];
    sum[c * 3 + 2] += p[v * 3 + 2];
    cnt[c]++;
  }
  const idx = mesh.indices;
  const tri = new Uint32Array(idx.length);
  let nt = 0;
  const used = new Int32Array(nc).fill(-1);
  let nu = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const a = clusterOf[idx[t]], b = clusterOf[idx[t + 1]], c = clusterOf[idx[t + 2]];
    if (a === b || b === c || a === c) continue;
    if (used[a] < 0) used[a] = nu++;
    if (used[b] < 0) used[b] = nu++;
    if (used[c] < 0) used[c] = nu++;
    tri[nt++] = used[a];
    tri[nt++] = used[b];
    tri[nt++] = used[c];
  }
  const positions = new Float32Array(nu * 3);
  for (let c = 0; c < nc; c++) {
    const u = used[c];
    if (u < 0) continue;
    positions[u * 3] = sum[c * 3] / cnt[c];
    positions[u * 3 + 1] = sum[c * 3 + 1] / cnt[c];
    positions[u * 3 + 2] = sum[c * 3 + 2] / cnt[c];
  }
  return { positions, indices: tri.slice(0, nt) };
}

/** A copy of `mesh` with at most `maxTriangles` triangles, by vertex clustering. */
export function decimateForDisplay(mesh: Mesh, maxTriangles: number): DecimateForDisplayResult {
  if (!(maxTriangles >= 1)) throw new RangeError(`maxTriangles must be >= 1, got ${maxTriangles}`);
  const nt = mesh.indices.length / 3;
  if (nt <= maxTriangles) {
    return {
      mesh: { positionsMm: mesh.positionsMm.slice(), indices: mesh.indices.slice(), normals: mesh.normals.slice() },
      triangleCount: nt,
      cellSizeMm: 0,
    };
  }
  const p = mesh.positionsMm;
  const lo: [number, number, number] = [Infinity, Infinity, Infinity];
  const hi: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < p.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      if (p[i + k] < lo[k]) lo[k] = p[i + k];
      if (p[i + k] > hi[k]) hi[k] = p[i + k];
    }
  }
  const extent = Math.max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 1e-6);
  let h = Math.max(Math.sqrt((2 * meshAreaMm2(mesh)) / maxTriangles), extent * 1e-6);
  let best: Clustered | null = null;
  let bestH = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const c = clusterOnce(mesh, h, lo);
    const count = c.indices.length / 3;
    if (count <= maxTriangles) {
      best = c;
      bestH = h;
      // Close enough to the budget: stop; otherwise try a finer grid once.
      if (count >= 0.7 * maxTriangles || attempt > 0) break;
      h *= Math.max(0.5, Math.sqrt(count / maxTriangles) * 1.02);
      continue;
    }
    if (best) break;
    h *= Math.max(1.25, Math.sqrt(count / maxTriangles) * 1.05);
  }
  if (!best) {
    // A budget too small for any closed surface: nothing is drawn.
    best = { positions: new Float32Array(0), indices: new Uint32Array(0) };
  }
  return {
    mesh: { positionsMm: best.positions, indices: best.indices, normals: computeVertexNormals(best.positions, best.indices) },
    triangleCount: best.indices.length / 3,
    cellSizeMm: bestH,
  };
}
