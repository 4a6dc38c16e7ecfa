/**
 * Comparing two binary masks on the same grid (lungview's and another
 * tool's): Dice, volume difference, and the symmetric surface distances.
 *
 * What: for masks A (reference, lungview's) and B (the other), with voxels
 * i = x + y*nx + z*nx*ny and spacing (sx, sy, sz) mm:
 *   dice = 2|A∩B| / (|A| + |B|)  (1 when both are empty);
 *   volume difference = (|B| − |A|) × voxel mL, and in % of |A|;
 *   surface voxels: the voxels of a mask with at least one of their six
 *     face neighbours outside it (the grid's border counts as outside);
 *   d(p, S) = the Euclidean distance in mm between voxel centres from p to
 *     the nearest voxel of surface S;
 *   Hausdorff = max( max_{a∈∂A} d(a, ∂B), max_{b∈∂B} d(b, ∂A) );
 *   mean symmetric surface distance = (Σ_{a∈∂A} d(a, ∂B) + Σ_{b∈∂B} d(b, ∂A)) / (|∂A| + |∂B|)
 *   (the definitions of the MICCAI 2007 liver challenge, Heimann et al.,
 *   IEEE TMI 28(8) 2009, on surface voxels; null when a mask is empty).
 *
 * Variant: d(·, S) from an exact Euclidean distance transform of the
 * surface voxels, Felzenszwalb & Huttenlocher's separable lower-envelope
 * algorithm ("Distance Transforms of Sampled Functions", Theory of
 * Computing 8, 2012), one 1-D pass per axis with the sample positions in
 * mm (x·sx, y·sy, z·sz), so anisotropic voxels are exact. The transform is
 * run on the bounding box of both surfaces only: every query and every
 * feature voxel lies in it, and the minimum over a box is separable, so
 * the result is the same as on the whole grid.
 *
 * Cost: O(voxels) for the counts and surfaces, plus two transforms of
 * O(box voxels) each. Memory: one Float64Array of the box (the squared
 * distances, reused for both directions) and 1-D scratch arrays of the
 * longest axis.
 */

export interface CompareGrid {
  nx: number;
  ny: number;
  nz: number;
  spacingMmXyz: readonly [number, number, number];
}

export interface MaskComparison {
  voxelsA: number;
  voxelsB: number;
  /** Voxels in both. */
  overlap: number;
  dice: number;
  volumeAMl: number;
  volumeBMl: number;
  /** (B − A) in mL. */
  volumeDiffMl: number;
  /** (B − A) / A in %; null when A is empty. */
  volumeDiffPct: number | null;
  surfaceVoxelsA: number;
  surfaceVoxelsB: number;
  /** Largest symmetric surface distance (mm); null when a mask is empty. */
  hausdorffMm: number | null;
  /** Mean symmetric surface distance (mm); null when a mask is empty. */
  meanSurfaceMm: number | null;
}

const INF = 1e300;

/** 1 for each voxel of `m` with a face neighbour outside it (or on the grid's border). */
export function surfaceVoxels(m: Uint8Array, g: CompareGrid): Uint8Array {
  const { nx, ny, nz } = g;
  const plane = nx * ny;
  const out = new Uint8Array(m.length);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = z * plane + y * nx;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        if (!m[i]) continue;
        if (
          x === 0 || x === nx - 1 || y === 0 || y === ny - 1 || z === 0 || z === nz - 1 ||
          !m[i - 1] || !m[i + 1] || !m[i - nx] || !m[i + nx] || !m[i - plane] || !m[i + plane]
        ) {
          out[i] = 1;
        }
      }
    }
  }
  return out;
}

/**
 * In place: f[k] (k = 0..n-1, stride `stride` from `start`) becomes
 * min_p ( (s·(k − p))² + f[p] ), the 1-D squared distance transform with
 * sample spacing s (Felzenszwalb & Huttenlocher, lower envelope of parabolas).
 */
function edt1d(f: Float64Array, start: number, stride: number, n: number, s: number, v: Int32Array, zb: Float64Array, tmp: Float64Array): void {
  for (let q = 0; q < n; q++) tmp[q] = f[start + q * stride];
  const s2 = s * s;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = tmp[q];
    if (fq >= INF) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      zb[0] = -Infinity;
      zb[1] = Infinity;
      continue;
    }
    // Where the parabola from q overtakes the envelope's last one (index units); zb[0] = -Infinity stops the loop.
    const cross = (p: number) => (fq + s2 * q * q - (tmp[p] + s2 * p * p)) / (2 * s2 * (q - p));
    let x = cross(v[k]);
    while (x <= zb[k]) x = cross(v[--k]);
    k++;
    v[k] = q;
    zb[k] = x;
    zb[k + 1] = Infinity;
  }
  if (k < 0) return; // no feature on this line: stays INF
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (zb[j + 1] < q) j++;
    const d = s * (q - v[j]);
    f[start + q * stride] = d * d + tmp[v[j]];
  }
}

/** Box [x0, x1) × [y0, y1) × [z0, z1) of the grid. */
interface Box {
  x0: number;
  y0: number;
  z0: number;
  x1: number;
  y1: number;
  z1: number;
}

/**
 * Squared distances (mm²) from every voxel of `box` to the nearest voxel of
 * `features` (a 0/1 mask on the whole grid), into `out` (box order,
 * x fastest). INF where there is no feature.
 */
export function squaredEdtInBox(features: Uint8Array, g: CompareGrid, box: Box, out: Float64Array): Float64Array {
  const bx = box.x1 - box.x0;
  const by = box.y1 - box.y0;
  const bz = box.z1 - box.z0;
  const plane = g.nx * g.ny;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const src = (z + box.z0) * plane + (y + box.y0) * g.nx + box.x0;
      const dst = (z * by + y) * bx;
      for (let x = 0; x < bx; x++) out[dst + x] = features[src + x] ? 0 : INF;
    }
  }
  const longest = Math.max(bx, by, bz);
  const v = new Int32Array(longest);
  const zb = new Float64Array(longest + 1);
  const tmp = new Float64Array(longest);
  const [sx, sy, sz] = g.spacingMmXyz;
  const bplane = bx * by;
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) edt1d(out, (z * by + y) * bx, 1, bx, sx, v, zb, tmp);
  for (let z = 0; z < bz; z++) for (let x = 0; x < bx; x++) edt1d(out, z * bplane + x, bx, by, sy, v, zb, tmp);
  for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) edt1d(out, y * bx + x, bplane, bz, sz, v, zb, tmp);
  return out;
}

/** The bounding box of the nonzero voxels of `a` or `b`, or null when both are empty. */
function unionBox(a: Uint8Array, b: Uint8Array, g: CompareGrid): Box | null {
  const { nx, ny, nz } = g;
  let x0 = nx;
  let y0 = ny;
  let z0 = nz;
  let x1 = -1;
  let y1 = -1;
  let z1 = -1;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (!a[i] && !b[i]) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, z0, x1: x1 + 1, y1: y1 + 1, z1: z1 + 1 };
}

/** Σ and max of sqrt(d²) over the voxels of `query` (whole grid) in the box's transform. */
function distancesAt(query: Uint8Array, g: CompareGrid, box: Box, d2: Float64Array): { sum: number; max: number } {
  const bx = box.x1 - box.x0;
  const by = box.y1 - box.y0;
  const plane = g.nx * g.ny;
  let sum = 0;
  let max = 0;
  for (let z = box.z0; z < box.z1; z++) {
    for (let y = box.y0; y < box.y1; y++) {
      const src = z * plane + y * g.nx;
      const dst = ((z - box.z0) * by + (y - box.y0)) * bx - box.x0;
      for (let x = box.x0; x < box.x1; x++) {
        if (!query[src + x]) continue;
        const d = Math.sqrt(d2[dst + x]);
        sum += d;
        if (d > max) max = d;
      }
    }
  }
  return { sum, max };
}

/** Dice, volumes and surface distances of masks `a` (reference) and `b` (0/1 or any nonzero, same grid). */
export function compareMasks(a: Uint8Array, b: Uint8Array, g: CompareGrid): MaskComparison {
  const n = g.nx * g.ny * g.nz;
  if (a.length !== n || b.length !== n) throw new RangeError(`masks of ${a.length} and ${b.length} voxels on a grid of ${n}`);
  let va = 0;
  let vb = 0;
  let both = 0;
  for (let i = 0; i < n; i++) {
    const ia = a[i] !== 0;
    const ib = b[i] !== 0;
    if (ia) va++;
    if (ib) vb++;
    if (ia && ib) both++;
  }
  const voxelMl = (g.spacingMmXyz[0] * g.spacingMmXyz[1] * g.spacingMmXyz[2]) / 1000;
  const sa = surfaceVoxels(a, g);
  const sb = surfaceVoxels(b, g);
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    na += sa[i];
    nb += sb[i];
  }
  let hausdorffMm: number | null = null;
  let meanSurfaceMm: number | null = null;
  const box = va > 0 && vb > 0 ? unionBox(sa, sb, g) : null;
  if (box) {
    const d2 = new Float64Array((box.x1 - box.x0) * (box.y1 - box.y0) * (box.z1 - box.z0));
    const ab = distancesAt(sa, g, box, squaredEdtInBox(sb, g, box, d2));
    const ba = distancesAt(sb, g, box, squaredEdtInBox(sa, g, box, d2));
    hausdorffMm = Math.max(ab.max, ba.max);
    meanSurfaceMm = (ab.sum + ba.sum) / (na + nb);
  }
  return {
    voxelsA: va,
    voxelsB: vb,
    overlap: both,
    dice: va + vb === 0 ? 1 : (2 * both) / (va + vb),
    volumeAMl: va * voxelMl,
    volumeBMl: vb * voxelMl,
    volumeDiffMl: (vb - va) * voxelMl,
    volumeDiffPct: va === 0 ? null : ((vb - va) / va) * 100,
    surfaceVoxelsA: na,
    surfaceVoxelsB: nb,
    hausdorffMm,
    meanSurfaceMm,
  };
}
