/**
 * Thick slab: the maximum intensity projection (MIP) of the slices around
 * one, along a view's axis, over a thickness in mm. The slab is `count`
 * slices centred on the slice shown (count = thickness / spacing along the
 * axis, rounded, at least 1), clipped at the ends of the volume; each pixel
 * is the highest HU along the slab. Vessels and nodules, which wind in and
 * out of single slices, show whole.
 *
 * Cost: O(plane × count) reads; memory: one plane (the caller's scratch
 * reused).
 */
import type { Volume } from '../core/volume/volume';
import type { SliceAxis } from '../shared/view';
import { extractSlice, sliceCount, type SliceImage } from './renderSlice';

/** Spacing in mm between slices along `axis`. */
export function axisSpacingMm(vol: Pick<Volume, 'spacingMmXyz'>, axis: SliceAxis): number {
  const [sx, sy, sz] = vol.spacingMmXyz;
  return axis === 'axial' ? sz : axis === 'coronal' ? sy : sx;
}

/** Slices in a slab `thicknessMm` thick (at least 1). */
export function slabSliceCount(spacingMm: number, thicknessMm: number): number {
  if (!(thicknessMm > 0) || !(spacingMm > 0)) return 1;
  return Math.max(1, Math.round(thicknessMm / spacingMm));
}

/** First and last slice (inclusive) of a slab of `count` slices centred on `index`, clipped to 0..n-1. */
export function slabRange(index: number, count: number, n: number): [number, number] {
  const lo = index - Math.floor((count - 1) / 2);
  return [Math.max(0, lo), Math.min(n - 1, lo + count - 1)];
}

/**
 * The MIP of `count` slices centred on slice `index` along `axis`, laid out
 * as extractSlice lays out one slice. `scratch` (at least one plane) is
 * reused when given; `plane` is a second scratch for the coronal and
 * sagittal cuts.
 */
export function slabMip(vol: Volume, axis: SliceAxis, index: number, count: number, scratch?: Int16Array, plane?: Int16Array): SliceImage {
  const first = extractSlice(vol, axis, index, plane);
  const n = first.width * first.height;
  const out = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Int16Array(n);
  const [lo, hi] = slabRange(index, count, sliceCount(vol, axis));
  out.fill(-32768);
  for (let k = lo; k <= hi; k++) {
    const s = extractSlice(vol, axis, k, plane).data;
    for (let i = 0; i < n; i++) if (s[i] > out[i]) out[i] = s[i];
  }
  return { width: first.width, height: first.height, data: out, pixelSpacingMmUv: first.pixelSpacingMmUv };
}
