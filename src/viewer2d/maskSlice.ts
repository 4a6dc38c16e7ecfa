/**
 * Cutting masks along the same planes as the slice images (renderSlice.ts),
 * so that mask pixel k lies under image pixel k, as 0/1 planes.
 *
 * A mask may cover only some slices of its volume (the GK mask covers the
 * clustered slices): `zOffset` is the volume slice of its first plane. Axial
 * planes of 0/1 masks are views (no copy); coronal and sagittal planes, and
 * the planes of label masks (`bits`), are written into a caller-provided
 * scratch buffer, with zeros on the slices the mask does not cover.
 *
 * Index order: mask value (x, y, zm) at x + y*nx + zm*nx*ny, volume slice
 * z = zOffset + zm. Cost: O(plane) per cut (axial O(1)).
 */
import type { MaskBits, SliceAxis, SliceMask } from '../shared/view';

/** Is a voxel of this label in the mask? */
export function inMask(label: number, bits: MaskBits | undefined): boolean {
  return bits === undefined ? label !== 0 : (label & bits.select) === bits.equals;
}

/** out[k] = 1 where src[k] is in the mask, else 0 (out and src of the same length). */
function selectBits(src: Uint8Array, bits: MaskBits, out: Uint8Array): Uint8Array {
  const { select, equals } = bits;
  const n = out.length;
  for (let k = 0; k < n; k++) out[k] = (src[k] & select) === equals ? 1 : 0;
  return out;
}

/**
 * Planes zFrom .. zTo - 1 (mask planes, not volume slices) as a 0/1 array:
 * for a plain 0/1 mask the data itself (or a view of it), for a label mask a
 * fresh array. With `owned`, always an array of its own (one that can be
 * transferred to a worker without taking the cache's mask with it).
 */
export function maskPlanes(m: SliceMask, zFrom = 0, zTo = m.nz, owned = false): Uint8Array {
  const plane = m.nx * m.ny;
  const src = zFrom === 0 && zTo === m.nz && !owned ? m.data : m.data.subarray(zFrom * plane, zTo * plane);
  if (m.bits !== undefined) return selectBits(src, m.bits, new Uint8Array(src.length));
  return owned ? src.slice() : src;
}

/** Does the mask cover any pixel of this slice? (Axial slices outside its planes: no.) */
export function maskCoversSlice(m: SliceMask, axis: SliceAxis, index: number): boolean {
  if (axis === 'axial') return index >= m.zOffset && index < m.zOffset + m.nz;
  return axis === 'coronal' ? index >= 0 && index < m.ny : index >= 0 && index < m.nx;
}

/**
 * The mask's plane under slice `index` along `axis` of a volume with
 * `volumeNz` slices, laid out like extractSlice's image, or null when the
 * mask has nothing there. `scratch` is reused for coronal/sagittal cuts when
 * it is large enough.
 */
export function extractMaskSlice(m: SliceMask, volumeNz: number, axis: SliceAxis, index: number, scratch?: Uint8Array): Uint8Array | null {
  const { nx, ny, nz, data, zOffset, bits } = m;
  const plane = nx * ny;
  if (!maskCoversSlice(m, axis, index)) return null;
  if (axis === 'axial') {
    const zm = index - zOffset;
    const view = data.subarray(zm * plane, (zm + 1) * plane);
    if (bits === undefined) return view;
    return selectBits(view, bits, scratch && scratch.length >= plane ? scratch.subarray(0, plane) : new Uint8Array(plane));
  }
  const width = axis === 'coronal' ? nx : ny;
  const size = width * volumeNz;
  const out = scratch && scratch.length >= size ? scratch.subarray(0, size) : new Uint8Array(size);
  out.fill(0);
  const zLo = Math.max(0, zOffset);
  const zHi = Math.min(volumeNz, zOffset + nz);
  if (axis === 'coronal') {
    for (let z = zLo; z < zHi; z++) {
      const src = (z - zOffset) * plane + index * nx;
      out.set(data.subarray(src, src + nx), z * nx);
    }
  } else {
    for (let z = zLo; z < zHi; z++) {
      let src = (z - zOffset) * plane + index;
      const row = z * ny;
      for (let y = 0; y < ny; y++, src += nx) out[row + y] = data[src];
    }
  }
  return bits === undefined ? out : selectBits(out, bits, out);
}
