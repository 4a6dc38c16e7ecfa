/**
 * Multi-planar reformatting geometry: which voxel lies under pixel (u, v) of
 * slice `index` along an axis, where a voxel appears on each view, where the
 * linked crosshair goes, and the crop box as a pixel rectangle of a slice.
 *
 * Axes follow renderSlice.ts: axial u = x, v = y (slice z); coronal u = x,
 * v = z (slice y); sagittal u = y, v = z (slice x). Cost: O(1).
 */
import { cropWindow } from '../core/mesh/cropMask';
import type { Vec3, VolumeGeometry } from '../core/volume/volume';
import type { PixelRect } from './overlay';
import type { SliceAxis } from '../shared/view';

/** Voxel (x, y, z) under pixel (u, v) of slice `index` along `axis`. */
export function sliceToVoxel(axis: SliceAxis, index: number, u: number, v: number): Vec3 {
  if (axis === 'axial') return [u, v, index];
  if (axis === 'coronal') return [u, index, v];
  return [index, u, v];
}

/** Slice index and pixel (u, v) of voxel (x, y, z) on a view along `axis`. */
export function voxelToSlice(axis: SliceAxis, voxel: Vec3): { index: number; u: number; v: number } {
  const [x, y, z] = voxel;
  if (axis === 'axial') return { index: z, u: x, v: y };
  if (axis === 'coronal') return { index: y, u: x, v: z };
  return { index: x, u: y, v: z };
}

/** The slice a view along `axis` shows for crosshair (x, y) and axial slice z. */
export function sliceIndexOf(axis: SliceAxis, crosshair: { x: number; y: number }, sliceZ: number): number {
  return axis === 'axial' ? sliceZ : axis === 'coronal' ? crosshair.y : crosshair.x;
}

/** Crop parameters as the store keeps them. */
export interface CropBoxParams {
  radiusMm: number;
  halfSlices: number;
}

/**
 * The crop window around `centre` (voxel) as a pixel rectangle on slice
 * `index` along `axis`, or null when the slice does not cut the window. Uses
 * the same window as the crop itself (core cropWindow).
 */
export function cropRectOnSlice(
  g: Pick<VolumeGeometry, 'nx' | 'ny' | 'nz' | 'spacingMmXyz'>,
  centre: Vec3,
  crop: CropBoxParams,
  axis: SliceAxis,
  index: number,
): PixelRect | null {
  let w: ReturnType<typeof cropWindow>;
  try {
    w = cropWindow(g, { centre: { x: centre[0], y: centre[1], z: centre[2] }, radiusMm: crop.radiusMm, halfSlices: crop.halfSlices });
  } catch {
    return null;
  }
  const inside = (r: [number, number]) => index >= r[0] && index < r[1];
  if (axis === 'axial') return inside(w.z) ? { u0: w.x[0], u1: w.x[1], v0: w.y[0], v1: w.y[1] } : null;
  if (axis === 'coronal') return inside(w.y) ? { u0: w.x[0], u1: w.x[1], v0: w.z[0], v1: w.z[1] } : null;
  return inside(w.x) ? { u0: w.y[0], u1: w.y[1], v0: w.z[0], v1: w.z[1] } : null;
}
