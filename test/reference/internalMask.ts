/**
 * Reference implementations the tests compare the product with: the
 * word-at-a-time internal-structures mask from two voxel masks, its
 * conversion to InternalStructures, and the lung-only HU of one slice from
 * the filled mask (the run-based product paths are compared with these).
 * The masks are read four voxels at a time as 32-bit words; the voxels of a
 * word are counted with one multiplication (the top byte of w * 0x01010101
 * is the sum of its four 0/1 bytes); one voxel at a time when the buffers
 * are not 4-byte aligned.
 * They were product API once and are kept here only so the tests can check
 * the product's faster paths against a plain version; no file in src/
 * uses them.
 */
import type { InternalMaskResult, InternalStructures } from '../../src/core/analysis/internalMask';
import { geometryOf, type Mask, type Volume } from '../../src/core/volume/volume';

/** Sum of the four bytes of a word whose bytes are 0 or 1: the top byte of w * 0x01010101. */
function byteSum(w: number): number {
  return Math.imul(w, 0x01010101) >>> 24;
}

/**
 * The word loop: writes fw & ~nw where nonzero; returns the counts of fill,
 * noFill and internal voxels in out[0..2]. The "-1" voxels (noFill without
 * fill) need no pass of their own: noFill = (fill and noFill) + (-1 voxels)
 * and fill = (fill and noFill) + internal, so their count is
 * noFill - fill + internal.
 */
function internalWords(f32: Uint32Array, n32: Uint32Array, d32: Uint32Array, out: Float64Array): void {
  let nFill = 0;
  let nNoFill = 0;
  let nInternal = 0;
  const words = f32.length;
  for (let w = 0; w < words; w++) {
    const fw = f32[w];
    const nw = n32[w];
    if ((fw | nw) === 0) continue;
    const iw = fw & ~nw;
    // Only nonzero words are written: the output's pages stay untouched (zero) where there is nothing.
    if (iw !== 0) {
      d32[w] = iw;
      nInternal += byteSum(iw);
    }
    nFill += byteSum(fw);
    nNoFill += byteSum(nw);
  }
  out[0] = nFill;
  out[1] = nNoFill;
  out[2] = nInternal;
}

export function internalMask(fill: Mask, noFill: Mask): InternalMaskResult {
  const n = fill.data.length;
  if (noFill.data.length !== n || fill.nx !== noFill.nx || fill.ny !== noFill.ny || fill.nz !== noFill.nz) {
    throw new RangeError('masks are on different grids');
  }
  const f = fill.data;
  const nf = noFill.data;
  const data = new Uint8Array(n);
  let minusOne = 0;
  let nFill = 0;
  let nNoFill = 0;
  let nInternal = 0;
  if (f.byteOffset % 4 === 0 && nf.byteOffset % 4 === 0 && n % 4 === 0) {
    const words = n >> 2;
    const counts = new Float64Array(3);
    internalWords(
      new Uint32Array(f.buffer, f.byteOffset, words),
      new Uint32Array(nf.buffer, nf.byteOffset, words),
      new Uint32Array(data.buffer, 0, words),
      counts,
    );
    [nFill, nNoFill, nInternal] = counts;
    minusOne = nNoFill - nFill + nInternal;
  } else {
    for (let i = 0; i < n; i++) {
      const a = f[i] !== 0 ? 1 : 0;
      const b = nf[i] !== 0 ? 1 : 0;
      const d = a & (1 - b);
      data[i] = d;
      minusOne += b & (1 - a);
      nFill += a;
      nNoFill += b;
      nInternal += d;
    }
  }
  return {
    internal: { ...geometryOf(fill), data, minusOneVoxels: minusOne },
    voxels: { fill: nFill, noFill: nNoFill, internal: nInternal },
  };
}

/** The internal structures as a voxel mask result (internalMask's), kept as InternalStructures. */
export function internalStructuresOfMask(r: InternalMaskResult): { internal: InternalStructures; voxels: InternalMaskResult['voxels'] } {
  return { internal: { geometry: geometryOf(r.internal), runs: null, mask: r.internal, minusOneVoxels: r.internal.minusOneVoxels }, voxels: r.voxels };
}

/** Lung-only HU of slice z (HU where the filled mask is 1, else 0), written into `out` (nx * ny values). */
export function lungOnlyHuSlice(volume: Volume, fill: Mask, z: number, out: Int16Array): Int16Array {
  const plane = volume.nx * volume.ny;
  if (fill.data.length !== volume.hu.length) throw new RangeError('mask and volume are on different grids');
  if (!Number.isInteger(z) || z < 0 || z >= volume.nz) throw new RangeError(`slice ${z} outside 0..${volume.nz - 1}`);
  if (out.length !== plane) throw new RangeError(`output holds ${out.length} values, a slice has ${plane}`);
  const hu = volume.hu;
  const m = fill.data;
  const o = z * plane;
  for (let k = 0; k < plane; k++) out[k] = m[o + k] !== 0 ? hu[o + k] : 0;
  return out;
}
