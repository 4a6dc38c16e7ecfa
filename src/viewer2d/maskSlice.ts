/**
 * Cutting masks along the same planes as the slice images (renderSlice.ts),
 * so that mask pixel k lies under image pixel k.
 *
 * A mask may cover only some slices of its volume (the GK mask covers the
 * clustered slices): `zOffset` is the volume slice of its first plane. Axial
 * planes are views (no copy); coronal and sagittal planes are gathered into a
 * caller-provided scratch buffer, with zeros on the slices the mask does not
 * cover.
 *
 * Index order: mask value (x, y, zm) at x + y*nx + zm*nx*ny, volume slice
 * z = zOffset + zm. Cost: O(plane) per cut (axial O(1)).
 */
import type { SliceAxis } from './renderSlice';

/** A 0/1 mask on (part of) a volume's grid. */
export interface SliceMask {
  nx: number;
  ny: number;
  /** Planes held in `data`. */
  nz: number;
  data: Uint8Array;
  /** Volume slice of plane 0 (0 for a whole-volume mask). */
  zOffset: number;
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
  const { nx, ny, nz, data, zOffset } = m;
  const plane = nx * ny;
  if (!maskCoversSlice(m, axis, index)) return null;
  if (axis === 'axial') {
    const zm = index - zOffset;
    return data.subarray(zm * plane, (zm + 1) * plane);
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
  return out;
}
