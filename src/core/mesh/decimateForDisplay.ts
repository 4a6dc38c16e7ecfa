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
 * Cost: O(V + T) per attempt (usually 1-3 attempts); memory, shared by the
 * attempts: 4 bytes per input vertex (its cluster) plus, of the size of the
 * output, an open-addressing hash of the occupied cells (2-4 slots of 16
 * bytes per cluster) and room for the budget's triangles; per attempt that
 * fits the budget, the cluster sums and the output.
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
  /** Triangles the clustering keeps; when above the budget nothing was built (empty arrays). */
  count: number;
}

/** Open-addressing hash of the occupied cells: cell (ix, iy, iz) -> cluster id, grown at half load. */
class CellHash {
  cap: number;
  keyX: Int32Array;
  keyY: Int32Array;
  keyZ: Int32Array;
  /** Cluster id per slot, -1 = empty. */
  slot: Int32Array;
  size = 0;

  constructor(expected: number) {
    let cap = 1024;
    while (cap < expected * 2) cap <<= 1;
    this.cap = cap;
    this.keyX = new Int32Array(cap);
    this.keyY = new Int32Array(cap);
    this.keyZ = new Int32Array(cap);
    this.slot = new Int32Array(cap).fill(-1);
  }

  /** Empties the table (keeps its capacity). */
  clear(): void {
    this.slot.fill(-1);
    this.size = 0;
  }

  /** The cluster of the cell, a new one (id = size before the call) when the cell is new. */
  clusterOf(ix: number, iy: number, iz: number): number {
    const mask = this.cap - 1;
    let s = (Math.imul(ix, 73856093) ^ Math.imul(iy, 19349663) ^ Math.imul(iz, 83492791)) & mask;
    const slot = this.slot;
    while (slot[s] !== -1) {
      if (this.keyX[s] === ix && this.keyY[s] === iy && this.keyZ[s] === iz) return slot[s];
      s = (s + 1) & mask;
    }
    const c = this.size++;
    slot[s] = c;
    this.keyX[s] = ix; this.keyY[s] = iy; this.keyZ[s] = iz;
    if (this.size * 2 > this.cap) this.grow();
    return c;
  }

  private grow(): void {
    const { keyX, keyY, keyZ, slot } = this;
    const cap = this.cap * 2;
    const mask = cap - 1;
    this.cap = cap;
    this.keyX = new Int32Array(cap);
    this.keyY = new Int32Array(cap);
    this.keyZ = new Int32Array(cap);
    this.slot = new Int32Array(cap).fill(-1);
    for (let o = 0; o < slot.length; o++) {
      if (slot[o] === -1) continue;
      const ix = keyX[o], iy = keyY[o], iz = keyZ[o];
      let s = (Math.imul(ix, 73856093) ^ Math.imul(iy, 19349663) ^ Math.imul(iz, 83492791)) & mask;
      while (this.slot[s] !== -1) s = (s + 1) & mask;
      this.slot[s] = slot[o];
      this.keyX[s] = ix; this.keyY[s] = iy; this.keyZ[s] = iz;
    }
  }
}

/**
 * One clustering at cell size h. Memory is kept near the output's size, not
 * the input's: the cell hash grows with the clusters found, the sums are
 * made once the cluster count is known, and the triangles are stored only
 * up to the budget (beyond it they are only counted, and the attempt builds
 * nothing).
 */
function clusterOnce(mesh: Mesh, h: number, lo: [number, number, number], scratch: Scratch): Clustered {
  const p = mesh.positionsMm;
  const nv = p.length / 3;
  const { hash, clusterOf, tri } = scratch;
  hash.clear();
  const maxTriangles = tri.length / 3;
  const inv = 1 / h;
  for (let v = 0; v < nv; v++) {
    const ix = Math.floor((p[v * 3] - lo[0]) * inv);
    const iy = Math.floor((p[v * 3 + 1] - lo[1]) * inv);
    const iz = Math.floor((p[v * 3 + 2] - lo[2]) * inv);
    clusterOf[v] = hash.clusterOf(ix, iy, iz);
  }
  const nc = hash.size;
  const idx = mesh.indices;
  let count = 0;
  let nt = 0;
  const used = new Int32Array(nc).fill(-1);
  let nu = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const a = clusterOf[idx[t]], b = clusterOf[idx[t + 1]], c = clusterOf[idx[t + 2]];
    if (a === b || b === c || a === c) continue;
    count++;
    if (nt === tri.length) continue;
    if (used[a] < 0) used[a] = nu++;
    if (used[b] < 0) used[b] = nu++;
    if (used[c] < 0) used[c] = nu++;
    tri[nt++] = used[a];
    tri[nt++] = used[b];
    tri[nt++] = used[c];
  }
  if (count > maxTriangles) return { positions: new Float32Array(0), indices: new Uint32Array(0), count };
  // Mean position of each used cluster.
  const sum = new Float64Array(nu * 3);
  const cnt = new Int32Array(nu);
  for (let v = 0; v < nv; v++) {
    const u = used[clusterOf[v]];
    if (u < 0) continue;
    sum[u * 3] += p[v * 3];
    sum[u * 3 + 1] += p[v * 3 + 1];
    sum[u * 3 + 2] += p[v * 3 + 2];
    cnt[u]++;
  }
  const positions = new Float32Array(nu * 3);
  for (let u = 0; u < nu; u++) {
    positions[u * 3] = sum[u * 3] / cnt[u];
    positions[u * 3 + 1] = sum[u * 3 + 1] / cnt[u];
    positions[u * 3 + 2] = sum[u * 3 + 2] / cnt[u];
  }
  return { positions, indices: tri.slice(0, nt), count };
}

/** Arrays every attempt reuses (attempts would otherwise leave their own behind until a GC). */
interface Scratch {
  hash: CellHash;
  /** Cluster of each input vertex. */
  clusterOf: Int32Array;
  /** Room for the budget's triangles (its length / 3 is the budget, or the input's count when smaller). */
  tri: Uint32Array;
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
  const nv = p.length / 3;
  const scratch: Scratch = {
    hash: new CellHash(Math.min(nv, maxTriangles)),
    clusterOf: new Int32Array(nv),
    tri: new Uint32Array(Math.min(mesh.indices.length, Math.floor(maxTriangles) * 3)),
  };
  let best: Clustered | null = null;
  let bestH = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const c = clusterOnce(mesh, h, lo, scratch);
    const count = c.count;
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
    best = { positions: new Float32Array(0), indices: new Uint32Array(0), count: 0 };
  }
  return {
    mesh: { positionsMm: best.positions, indices: best.indices, normals: computeVertexNormals(best.positions, best.indices) },
    triangleCount: best.indices.length / 3,
    cellSizeMm: bestH,
  };
}
