/**
 * Taubin lambda/mu smoothing of a triangle mesh: alternating a shrinking
 * Laplacian step (factor lambda > 0) and an inflating one (mu < -lambda),
 * which removes the voxel staircase of a marching-cubes surface with little
 * shrinkage (a low-pass filter on the surface signal).
 *
 * Variant: G. Taubin, "A signal processing approach to fair surface design",
 * SIGGRAPH 1995, with the umbrella operator and uniform weights:
 * d(v) = mean of the neighbours of v - v. The neighbours of v are the heads
 * of the half-edges leaving v (a -> b, b -> c, c -> a for each triangle), so
 * on a closed oriented surface (marching-cubes output) each neighbour counts
 * once; on an open surface a boundary vertex misses one neighbour.
 * Triangles are kept; normals are recomputed (area-weighted), or copied when
 * there are no iterations.
 *
 * Cost: O(T) to build the neighbour lists (Int32 CSR, 3 entries per
 * triangle), then O(T) per iteration (two passes); memory 12 bytes per
 * triangle + 48 bytes per vertex (two Float64 position buffers).
 */
import { abortError, computeVertexNormals, type CancelSignal, type Mesh, type ProgressCallback } from './mesh';

export interface TaubinSmoothParams {
  /** Number of lambda/mu pairs. */
  iterations: number;
  /** Shrinking factor, 0 < lambda < 1 (default 0.5). */
  lambda?: number;
  /** Inflating factor, mu < -lambda (default -0.53). */
  mu?: number;
  onProgress?: ProgressCallback;
  signal?: CancelSignal;
}

/** Half-edge neighbour lists: neighbours of v are nbr[start[v] .. start[v+1]). */
export function vertexNeighbours(vertexCount: number, indices: Uint32Array): { start: Int32Array; nbr: Int32Array } {
  const start = new Int32Array(vertexCount + 1);
  for (let t = 0; t < indices.length; t++) start[indices[t] + 1]++;
  for (let v = 0; v < vertexCount; v++) start[v + 1] += start[v];
  const fill = start.slice(0, vertexCount);
  const nbr = new Int32Array(indices.length);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t], b = indices[t + 1], c = indices[t + 2];
    nbr[fill[a]++] = b;
    nbr[fill[b]++] = c;
    nbr[fill[c]++] = a;
  }
  return { start, nbr };
}

/** One umbrella step, reading positions from `src` and writing them to `dst`. */
function laplacianStep(src: Float64Array, dst: Float64Array, start: Int32Array, nbr: Int32Array, factor: number): void {
  const n = start.length - 1;
  for (let v = 0; v < n; v++) {
    const s = start[v], e = start[v + 1];
    const i = v * 3;
    const px = src[i], py = src[i + 1], pz = src[i + 2];
    if (e === s) {
      dst[i] = px; dst[i + 1] = py; dst[i + 2] = pz;
      continue;
    }
    let x = 0, y = 0, z = 0;
    for (let k = s; k < e; k++) {
      const j = nbr[k] * 3;
      x += src[j]; y += src[j + 1]; z += src[j + 2];
    }
    const w = factor / (e - s);
    dst[i] = px + (x * w - factor * px);
    dst[i + 1] = py + (y * w - factor * py);
    dst[i + 2] = pz + (z * w - factor * pz);
  }
}

/** Smoothed copy of `mesh` (same triangles, moved vertices, new normals). */
export function taubinSmooth(mesh: Mesh, params: TaubinSmoothParams): Mesh {
  const iterations = params.iterations;
  const lambda = params.lambda ?? 0.5;
  const mu = params.mu ?? -0.53;
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`iterations must be an integer >= 0, got ${iterations}`);
  if (!(lambda > 0 && lambda < 1)) throw new RangeError(`lambda must be in (0, 1), got ${lambda}`);
  if (!(mu < -lambda)) throw new RangeError(`mu must be below -lambda, got ${mu}`);
  const nv = mesh.positionsMm.length / 3;
  const indices = mesh.indices.slice();
  const p = Float64Array.from(mesh.positionsMm);
  if (iterations > 0 && nv > 0) {
    const { start, nbr } = vertexNeighbours(nv, indices);
    const q = new Float64Array(p.length);
    for (let it = 0; it < iterations; it++) {
      if (params.signal?.aborted) throw abortError();
      laplacianStep(p, q, start, nbr, lambda);
      laplacianStep(q, p, start, nbr, mu);
      params.onProgress?.((it + 1) / iterations);
    }
  }
  const positionsMm = Float32Array.from(p);
  // Unmoved vertices keep their normals.
  const normals = iterations === 0 || nv === 0 ? mesh.normals.slice() : computeVertexNormals(positionsMm, indices);
  return { positionsMm, indices, normals };
}
