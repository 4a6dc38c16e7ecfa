/**
 * Axial index order for any volume: the permutation of the index axes that
 * puts x along the patient's left-right axis, y along anterior-posterior and
 * z along superior-inferior, and the copies of a volume or mask into that
 * order and back (used to run the slice-by-slice lung segmentation on
 * sagittal and coronal stacks, segmentation/anyOrientation.ts).
 *
 * Each index axis is assigned the patient axis of the largest |component|
 * of its direction cosine (directionXyz); when those do not name three
 * different patient axes (an oblique stack near 45°), the permutation with
 * the largest sum of |cosines| on the patient axes is taken. An axial stack
 * gets the identity, and the functions below then return their input
 * itself, without a copy.
 *
 * Pure permutation, no flips. Voxel (0, 0, 0) stays voxel (0, 0, 0), so the
 * origin is unchanged and axial slice k is index k along the original axis
 * that runs head-feet. The lung segmentation and the airway split do not
 * depend on the sign of an axis: connectivity is symmetric, the 'border'
 * background looks at both faces, the most superior slice and the patient's
 * left come from directionXyz. What does depend on it is the order in which
 * exact ties are settled: components of equal size, the 'corner' background
 * (an index corner), and in the split a voxel reached by both lungs in the
 * same step of growing back after an erosion (it goes to the lung first in
 * raster order; 1 voxel of 11,000 on the synthetic phantom between its
 * head-first axial and its DICOM sagittal form). Flipping to fixed signs
 * would not make that go away: axial stacks keep their own signs
 * (feet-first, prone) and are not copied. So the result for a non-axial
 * stack is exactly that of the axial stack with the same axis signs.
 * The permuted geometry keeps every voxel's patient position
 * (voxelToPatientMm); its z direction need not be row × column (the
 * permuted stack may be left-handed in index space).
 *
 * Copying follows the destination's memory order: whole rows when x keeps
 * its axis, else tiled 2D transposes (transposeI16), so that source reads
 * stay in cache even with power-of-two strides.
 * Cost: one full copy, O(voxels) time and a new array of the same size
 * (2 B/voxel for HU, 1 B/voxel for a mask).
 */
import { geometryOf, type Mask, type Vec3, type Volume, type VolumeGeometry } from './volume';

/** perm[a] = index axis (0 x, 1 y, 2 z) of the source that becomes axis a of the result. */
export type AxisPermutation = readonly [number, number, number];

export interface AxialOrder {
  /** perm[a]: the axis of the original grid that is axis a of the axial order. */
  perm: AxisPermutation;
  /** The inverse: axis b of the original grid is axis inverse[b] of the axial order. */
  inverse: AxisPermutation;
  /** perm is [0, 1, 2]: the volume is already in axial order. */
  identity: boolean;
}

/** Grid sizes of a voxel array. */
export type GridSize = Pick<VolumeGeometry, 'nx' | 'ny' | 'nz'>;

/** The six permutations of three axes. */
export const AXIS_PERMUTATIONS: readonly AxisPermutation[] = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/** Patient axis (0 LR, 1 AP, 2 SI) of the largest |component| of d; the first on ties. */
function dominantAxis(d: Vec3): number {
  const a = Math.abs(d[0]);
  const b = Math.abs(d[1]);
  const c = Math.abs(d[2]);
  if (a >= b && a >= c) return 0;
  return b >= c ? 1 : 2;
}

/** The inverse permutation q with q[perm[a]] = a. */
export function inversePermutation(perm: AxisPermutation): AxisPermutation {
  const q = [0, 0, 0];
  for (let a = 0; a < 3; a++) q[perm[a]] = a;
  return q as unknown as AxisPermutation;
}

function isIdentity(perm: AxisPermutation): boolean {
  return perm[0] === 0 && perm[1] === 1 && perm[2] === 2;
}

function checkPermutation(perm: AxisPermutation): void {
  const seen = [false, false, false];
  for (let a = 0; a < 3; a++) {
    const p = perm[a];
    if (!Number.isInteger(p) || p < 0 || p > 2 || seen[p]) throw new RangeError(`not an axis permutation: [${perm.join(', ')}]`);
    seen[p] = true;
  }
}

function orderOf(perm: AxisPermutation): AxialOrder {
  return { perm, inverse: inversePermutation(perm), identity: isIdentity(perm) };
}

/**
 * The permutation that makes the grid axial-ordered (x ≈ LR, y ≈ AP, z ≈ SI
 * in patient space), judged from directionXyz.
 */
export function axialOrderOf(g: Pick<VolumeGeometry, 'directionXyz'>): AxialOrder {
  const d = g.directionXyz;
  const p0 = dominantAxis(d[0]);
  const p1 = dominantAxis(d[1]);
  const p2 = dominantAxis(d[2]);
  if (p0 !== p1 && p0 !== p2 && p1 !== p2) {
    // Index axis i runs along patient axis p_i, so axial axis p_i is index axis i.
    const perm = [0, 0, 0];
    perm[p0] = 0;
    perm[p1] = 1;
    perm[p2] = 2;
    return orderOf(perm as unknown as AxisPermutation);
  }
  // Two index axes closest to the same patient axis: the best assignment overall.
  let best = AXIS_PERMUTATIONS[0];
  let bestScore = -1;
  for (const perm of AXIS_PERMUTATIONS) {
    const score = Math.abs(d[perm[0]][0]) + Math.abs(d[perm[1]][1]) + Math.abs(d[perm[2]][2]);
    if (score > bestScore + 1e-12) {
      best = perm;
      bestScore = score;
    }
  }
  return orderOf(best);
}

/** Whether the grid's index axes already run LR, AP, SI (no reordering needed). */
export function isAxialOrdered(g: Pick<VolumeGeometry, 'directionXyz'>): boolean {
  return axialOrderOf(g).identity;
}

/**
 * The geometry of the grid with its axes permuted (axis a of the result is
 * axis perm[a] of g): sizes, spacings and directions follow their axis, the
 * origin stays (voxel (0, 0, 0) is the same voxel).
 */
export function permuteGeometry(g: VolumeGeometry, perm: AxisPermutation): VolumeGeometry {
  checkPermutation(perm);
  const n = [g.nx, g.ny, g.nz];
  return {
    nx: n[perm[0]],
    ny: n[perm[1]],
    nz: n[perm[2]],
    spacingMmXyz: [g.spacingMmXyz[perm[0]], g.spacingMmXyz[perm[1]], g.spacingMmXyz[perm[2]]],
    originMm: [...g.originMm] as Vec3,
    directionXyz: [
      [...g.directionXyz[perm[0]]] as Vec3,
      [...g.directionXyz[perm[1]]] as Vec3,
      [...g.directionXyz[perm[2]]] as Vec3,
    ],
  };
}

// One copy loop per element type: each stays monomorphic for the engine.

function copyRowsI16(src: Int16Array, dst: Int16Array, m0: number, m1: number, m2: number, t1: number, t2: number): void {
  let d = 0;
  for (let z = 0; z < m2; z++) {
    for (let y = 0; y < m1; y++) {
      const s = y * t1 + z * t2;
      dst.set(src.subarray(s, s + m0), d);
      d += m0;
    }
  }
}

function copyRowsU8(src: Uint8Array, dst: Uint8Array, m0: number, m1: number, m2: number, t1: number, t2: number): void {
  let d = 0;
  for (let z = 0; z < m2; z++) {
    for (let y = 0; y < m1; y++) {
      const s = y * t1 + z * t2;
      dst.set(src.subarray(s, s + m0), d);
      d += m0;
    }
  }
}

/** Tile of the 2D transposes: TILE_X source lines live at once, TILE_C voxels used of each. */
const TILE_X = 16;
const TILE_C = 64;

/**
 * The copy when x changes axis: for each value w of the destination axis
 * that is neither x nor c (c = the destination axis along which the source
 * is contiguous), a 2D transpose of the (x, c) plane in tiles of
 * TILE_X × TILE_C voxels, four c at a time: each source line is read
 * whole, and only TILE_X of them are live at once, so strides of a power of
 * two (512² planes) do not evict them from the cache.
 */
function transposeI16(
  src: Int16Array, dst: Int16Array, m0: number, t0: number, mc: number, dc: number, mw: number, dw: number, tw: number,
): void {
  const dc2 = 2 * dc;
  const dc3 = 3 * dc;
  for (let w = 0; w < mw; w++) {
    for (let c0 = 0; c0 < mc; c0 += TILE_C) {
      const c1 = Math.min(mc, c0 + TILE_C);
      for (let x0 = 0; x0 < m0; x0 += TILE_X) {
        const x1 = Math.min(m0, x0 + TILE_X);
        let c = c0;
        for (; c + 3 < c1; c += 4) {
          let d = w * dw + c * dc + x0;
          let s = w * tw + c + x0 * t0;
          for (let x = x0; x < x1; x++) {
            dst[d] = src[s];
            dst[d + dc] = src[s + 1];
            dst[d + dc2] = src[s + 2];
            dst[d + dc3] = src[s + 3];
            d++;
            s += t0;
          }
        }
        for (; c < c1; c++) {
          let d = w * dw + c * dc + x0;
          let s = w * tw + c + x0 * t0;
          for (let x = x0; x < x1; x++) {
            dst[d++] = src[s];
            s += t0;
          }
        }
      }
    }
  }
}

/** transposeI16 for bytes (masks): one function per element type keeps each loop monomorphic in V8. */
function transposeU8(
  src: Uint8Array, dst: Uint8Array, m0: number, t0: number, mc: number, dc: number, mw: number, dw: number, tw: number,
): void {
  const dc2 = 2 * dc;
  const dc3 = 3 * dc;
  for (let w = 0; w < mw; w++) {
    for (let c0 = 0; c0 < mc; c0 += TILE_C) {
      const c1 = Math.min(mc, c0 + TILE_C);
      for (let x0 = 0; x0 < m0; x0 += TILE_X) {
        const x1 = Math.min(m0, x0 + TILE_X);
        let c = c0;
        for (; c + 3 < c1; c += 4) {
          let d = w * dw + c * dc + x0;
          let s = w * tw + c + x0 * t0;
          for (let x = x0; x < x1; x++) {
            dst[d] = src[s];
            dst[d + dc] = src[s + 1];
            dst[d + dc2] = src[s + 2];
            dst[d + dc3] = src[s + 3];
            d++;
            s += t0;
          }
        }
        for (; c < c1; c++) {
          let d = w * dw + c * dc + x0;
          let s = w * tw + c + x0 * t0;
          for (let x = x0; x < x1; x++) {
            dst[d++] = src[s];
            s += t0;
          }
        }
      }
    }
  }
}

function checkVoxels(length: number, size: GridSize): void {
  const n = size.nx * size.ny * size.nz;
  if (length !== n) throw new RangeError(`data has ${length} voxels, grid ${size.nx}×${size.ny}×${size.nz} needs ${n}`);
}

/**
 * Copy of `src` (on a grid of `size`, i = x + y*nx + z*nx*ny) with its axes
 * permuted: voxel v of the result, with v[a] = u[perm[a]], holds voxel u of
 * the source. Into `out` when given (same length, not `src`). Works for the
 * identity too (a plain copy).
 */
export function permuteVoxels<T extends Int16Array | Uint8Array>(src: T, size: GridSize, perm: AxisPermutation, out?: T): T {
  checkPermutation(perm);
  checkVoxels(src.length, size);
  const n = [size.nx, size.ny, size.nz];
  const stride = [1, size.nx, size.nx * size.ny];
  const dst = (out ?? new (src.constructor as { new (length: number): T })(src.length)) as T;
  if (dst.length !== src.length) throw new RangeError(`output has ${dst.length} voxels, expected ${src.length}`);
  if (dst.buffer === src.buffer) throw new RangeError('the output must not share the source buffer');
  const m0 = n[perm[0]];
  const m1 = n[perm[1]];
  const m2 = n[perm[2]];
  const t0 = stride[perm[0]];
  const t1 = stride[perm[1]];
  const t2 = stride[perm[2]];
  const i16 = src instanceof Int16Array;
  if (perm[0] === 0) {
    if (i16) copyRowsI16(src, dst as Int16Array, m0, m1, m2, t1, t2);
    else copyRowsU8(src as Uint8Array, dst as Uint8Array, m0, m1, m2, t1, t2);
    return dst;
  }
  // c: destination axis of the source's x (contiguous); w: the remaining one.
  const c = perm[1] === 0 ? 1 : 2;
  const mc = c === 1 ? m1 : m2;
  const dc = c === 1 ? m0 : m0 * m1;
  const mw = c === 1 ? m2 : m1;
  const dw = c === 1 ? m0 * m1 : m0;
  const tw = c === 1 ? t2 : t1;
  if (i16) transposeI16(src, dst as Int16Array, m0, t0, mc, dc, mw, dw, tw);
  else transposeU8(src as Uint8Array, dst as Uint8Array, m0, t0, mc, dc, mw, dw, tw);
  return dst;
}

/** The volume in axial order (a copy of the HU), or the volume itself when it already is. */
export function toAxialVolume(volume: Volume, order: AxialOrder = axialOrderOf(volume)): Volume {
  if (order.identity) return volume;
  return { ...permuteGeometry(volume, order.perm), hu: permuteVoxels(volume.hu, volume, order.perm) };
}

/** The mask in axial order (a copy), or the mask itself when it already is. */
export function toAxialMask(mask: Mask, order: AxialOrder = axialOrderOf(mask)): Mask {
  if (order.identity) return mask;
  return { ...permuteGeometry(mask, order.perm), data: permuteVoxels(mask.data, mask, order.perm) };
}

/**
 * Voxel data (mask or labels) of the axial order back on the original grid
 * `original` (the grid `order` was computed from); `axialData` itself when
 * the order is the identity.
 */
export function fromAxialData(axialData: Uint8Array, original: VolumeGeometry, order: AxialOrder, out?: Uint8Array): Uint8Array {
  if (order.identity) {
    checkVoxels(axialData.length, original);
    return axialData;
  }
  const n = [original.nx, original.ny, original.nz];
  const axialSize = { nx: n[order.perm[0]], ny: n[order.perm[1]], nz: n[order.perm[2]] };
  return permuteVoxels(axialData, axialSize, order.inverse, out);
}

/** A mask of the axial order back on the original grid, with the original geometry. */
export function fromAxialMask(axialMask: Mask, original: VolumeGeometry, order: AxialOrder): Mask {
  if (order.identity) return axialMask;
  return { ...geometryOf(original), data: fromAxialData(axialMask.data, original, order) };
}
