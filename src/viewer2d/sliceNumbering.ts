/**
 * Slice numbers as radiology viewers show them: axial slices numbered from
 * the head down (slice 1 the most cranial, "next" towards the feet),
 * coronal from the front back (anterior to posterior), sagittal from the
 * patient's right to left, whatever the order of the volume's index along
 * that axis (head-first or feet-first, stacks in any direction). The
 * volume keeps its own order (slices sorted along the slice normal); only
 * the numbers shown and the direction of "next" follow this convention.
 *
 * An axis' patient direction is the dominant component of its direction
 * cosine (LPS): along L-R numbers grow towards the left, along A-P towards
 * posterior, along S-I towards inferior. Cost: O(1).
 */
import type { Vec3 } from '../core/volume/volume';
import type { SliceAxis } from '../shared/view';

export interface SliceGeometry {
  directionXyz: readonly [Vec3, Vec3, Vec3];
}

/** The short statement of the convention, for tooltips and help. */
export const SLICE_NUMBER_CONVENTION = 'Slice 1 is the most cranial (head) axial slice, the most anterior coronal and the rightmost sagittal one; wheel down and ↓ go towards the feet, the back and the left.';

function indexDirection(g: SliceGeometry, axis: SliceAxis): Vec3 {
  return g.directionXyz[axis === 'axial' ? 2 : axis === 'coronal' ? 1 : 0];
}

/** +1 when slice numbers grow with the volume index along `axis`, −1 when they run against it. */
export function sliceNumberStep(g: SliceGeometry, axis: SliceAxis): 1 | -1 {
  const d = indexDirection(g, axis);
  const a = [Math.abs(d[0]), Math.abs(d[1]), Math.abs(d[2])];
  const k = a[0] >= a[1] && a[0] >= a[2] ? 0 : a[1] >= a[2] ? 1 : 2;
  // Numbers grow towards L (+x), P (+y) and I (-z).
  const wanted = k === 2 ? -1 : 1;
  return Math.sign(d[k]) === wanted || d[k] === 0 ? 1 : -1;
}

/** The 1-based number shown for volume index `index` of `count` slices along `axis`. */
export function sliceNumber(g: SliceGeometry, axis: SliceAxis, index: number, count: number): number {
  return sliceNumberStep(g, axis) === 1 ? index + 1 : count - index;
}

/** The volume index of slice number `n` (1-based) of `count` along `axis`. */
export function indexOfSliceNumber(g: SliceGeometry, axis: SliceAxis, n: number, count: number): number {
  return sliceNumberStep(g, axis) === 1 ? n - 1 : count - n;
}

/** The slice numbers of volume indices from .. from + planes - 1, lowest first ("61–65"). */
export function sliceNumberRange(g: SliceGeometry, axis: SliceAxis, from: number, planes: number, count: number): [number, number] {
  const a = sliceNumber(g, axis, from, count);
  const b = sliceNumber(g, axis, from + planes - 1, count);
  return a <= b ? [a, b] : [b, a];
}
