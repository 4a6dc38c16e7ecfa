/**
 * Indexed triangle meshes in patient space (LPS, mm) and their measures:
 * surface area, enclosed volume (divergence theorem) and area-weighted
 * vertex normals.
 *
 * Cost: every function here is one pass over the triangles, O(T) time;
 * normals need one Float32Array of 3 numbers per vertex.
 */

/** An indexed triangle mesh with shared vertices. */
export interface Mesh {
  /** x, y, z of each vertex in patient LPS millimetres. */
  positionsMm: Float32Array;
  /** Three vertex ids per triangle, counter-clockwise seen from outside. */
  indices: Uint32Array;
  /** Unit normal of each vertex (x, y, z), pointing outward. */
  normals: Float32Array;
}

/** Something with an `aborted` flag, e.g. an AbortSignal. */
export interface CancelSignal {
  readonly aborted: boolean;
}

/** Progress callback: fraction done in [0, 1]. */
export type ProgressCallback = (fraction: number) => void;

/** The error thrown when a signal asks a mesh job to stop. */
export function abortError(): Error {
  const err = new Error('mesh computation aborted');
  err.name = 'AbortError';
  return err;
}

/** Total surface area in mm^2 (sum of triangle areas). */
export function meshAreaMm2(mesh: Pick<Mesh, 'positionsMm' | 'indices'>): number {
  const p = mesh.positionsMm;
  const idx = mesh.indices;
  let sum = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t] * 3, b = idx[t + 1] * 3, c = idx[t + 2] * 3;
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    const cx = uy * vz - uz * vy, cy = uz * vx - ux * vz, cz = ux * vy - uy * vx;
    sum += Math.sqrt(cx * cx + cy * cy + cz * cz);
  }
  return sum / 2;
}

/**
 * Signed enclosed volume in mL (divergence theorem: sum over triangles of
 * det[a, b, c] / 6, taken relative to the first vertex to limit rounding).
 * Positive when the triangles face outward; meaningful for closed surfaces.
 */
export function meshVolumeMl(mesh: Pick<Mesh, 'positionsMm' | 'indices'>): number {
  const p = mesh.positionsMm;
  const idx = mesh.indices;
  if (idx.length === 0) return 0;
  const ox = p[0], oy = p[1], oz = p[2];
  let sum = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t] * 3, b = idx[t + 1] * 3, c = idx[t + 2] * 3;
    const ax = p[a] - ox, ay = p[a + 1] - oy, az = p[a + 2] - oz;
    const bx = p[b] - ox, by = p[b + 1] - oy, bz = p[b + 2] - oz;
    const cx = p[c] - ox, cy = p[c + 1] - oy, cz = p[c + 2] - oz;
    sum += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  }
  return sum / 6 / 1000;
}

/**
 * Area-weighted vertex normals: the sum of the (unnormalised) cross products
 * of the triangles around each vertex, then scaled to unit length. Vertices
 * without triangles get (0, 0, 0).
 */
export function computeVertexNormals(positionsMm: Float32Array, indices: Uint32Array, out?: Float32Array): Float32Array {
  const p = positionsMm;
  const n = out && out.length === p.length ? out : new Float32Array(p.length);
  n.fill(0);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3, b = indices[t + 1] * 3, c = indices[t + 2] * 3;
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    const cx = uy * vz - uz * vy, cy = uz * vx - ux * vz, cz = ux * vy - uy * vx;
    n[a] += cx; n[a + 1] += cy; n[a + 2] += cz;
    n[b] += cx; n[b + 1] += cy; n[b + 2] += cz;
    n[c] += cx; n[c + 1] += cy; n[c + 2] += cz;
  }
  for (let i = 0; i < n.length; i += 3) {
    const x = n[i], y = n[i + 1], z = n[i + 2];
    const len = Math.sqrt(x * x + y * y + z * z);
    if (len > 0) {
      const inv = 1 / len;
      n[i] = x * inv; n[i + 1] = y * inv; n[i + 2] = z * inv;
    }
  }
  return n;
}
