/**
 * Slice extraction and window/level rendering to RGBA.
 *
 * Axial slices (constant z) are contiguous in the volume
 * (i = x + y*nx + z*nx*ny), so extracting one is a subarray view with no copy.
 * Coronal (constant y) and sagittal (constant x) slices are gathered into a
 * caller-provided buffer, so a slider drag allocates nothing.
 *
 * Rendering is one clamped table lookup per pixel into a Uint32 view of the
 * output (see windowLevel.ts). Cost: O(pixels).
 */
import type { Volume } from '../core/volume/volume';
import type { SliceAxis } from '../shared/view';
import type { WindowLut } from './windowLevel';

/** A 2D image cut from a volume: `data[u + v*width]`, u along screen x, v along screen y. */
export interface SliceImage {
  width: number;
  height: number;
  data: Int16Array;
  /** Size of one pixel in mm along u and v. */
  pixelSpacingMmUv: [number, number];
}

/** Number of slices along an axis. */
export function sliceCount(vol: Pick<Volume, 'nx' | 'ny' | 'nz'>, axis: SliceAxis): number {
  return axis === 'axial' ? vol.nz : axis === 'coronal' ? vol.ny : vol.nx;
}

/**
 * The slice `index` along `axis`. Axial: u = x, v = y (a view, no copy).
 * Coronal: u = x, v = z. Sagittal: u = y, v = z. For the last two `scratch`
 * is reused when it is large enough.
 */
export function extractSlice(vol: Volume, axis: SliceAxis, index: number, scratch?: Int16Array): SliceImage {
  const { nx, ny, nz, hu, spacingMmXyz } = vol;
  const n = sliceCount(vol, axis);
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`slice ${index} outside 0..${n - 1} along ${axis}`);
  }
  if (axis === 'axial') {
    const plane = nx * ny;
    return {
      width: nx,
      height: ny,
      data: hu.subarray(index * plane, (index + 1) * plane),
      pixelSpacingMmUv: [spacingMmXyz[0], spacingMmXyz[1]],
    };
  }
  const plane = nx * ny;
  if (axis === 'coronal') {
    const out = scratch && scratch.length >= nx * nz ? scratch.subarray(0, nx * nz) : new Int16Array(nx * nz);
    for (let z = 0; z < nz; z++) {
      const src = z * plane + index * nx;
      out.set(hu.subarray(src, src + nx), z * nx);
    }
    return { width: nx, height: nz, data: out, pixelSpacingMmUv: [spacingMmXyz[0], spacingMmXyz[2]] };
  }
  const out = scratch && scratch.length >= ny * nz ? scratch.subarray(0, ny * nz) : new Int16Array(ny * nz);
  for (let z = 0; z < nz; z++) {
    let src = z * plane + index;
    const row = z * ny;
    for (let y = 0; y < ny; y++, src += nx) out[row + y] = hu[src];
  }
  return { width: ny, height: nz, data: out, pixelSpacingMmUv: [spacingMmXyz[1], spacingMmXyz[2]] };
}

/**
 * Window `src` (HU) into `out` (packed RGBA words, e.g. a Uint32Array view of
 * ImageData.data). `out` must hold at least src.length entries.
 */
export function renderWindowed(src: Int16Array, lut: WindowLut, out: Uint32Array): void {
  const table = lut.table;
  const base = lut.baseHu;
  const last = table.length - 1;
  const n = src.length;
  if (out.length < n) throw new RangeError(`output holds ${out.length} pixels, slice has ${n}`);
  for (let i = 0; i < n; i++) {
    let k = src[i] - base;
    if (k < 0) k = 0;
    else if (k > last) k = last;
    out[i] = table[k];
  }
}
