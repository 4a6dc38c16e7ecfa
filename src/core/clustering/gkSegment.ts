/**
 * The tutorial's `gk_segment`: Gustafson–Kessel clustering of the HU values of
 * a lung-only slice (HU inside the filled lung mask, 0 elsewhere) into 5
 * clusters, keeping the cluster that covers the fewest pixels.
 *
 * Variant (seed_pipeline.py, gk_segment and min_label_volume, README choices
 * 5–7): every pixel of the slice is clustered, the 0-HU pixels outside the lung
 * included; every pixel gets its cluster's centre truncated toward zero to an
 * int32; the kept value is the truncated centre with the fewest pixels (ties:
 * the smallest value; clusters whose centres truncate to the same integer
 * merge, as in the tutorial); kept pixels become 1, all others 0. A slice
 * without lung (all 0) therefore comes out all 1, as in the reference.
 *
 * The clustering itself is `gkHistogram` (exact per-pixel semantics, computed
 * on the histogram of distinct values); the Dirichlet start depends only on
 * (seed, pixels per slice), so it is drawn once for a whole run of slices.
 *
 * `gkSegmentVolume` is an addition: one clustering of all voxels inside a lung
 * mask (no 0-HU outside voxels), see its comment.
 *
 * Cost per 512 x 512 slice: O(C * N) for the start sums plus O(maxIter * C * B)
 * for B distinct values (a few thousand); memory O(C * N) doubles for
 * the (shared) start.
 */
import { dirichletOnes } from '../random/dirichlet';
import { Mt19937 } from '../random/mt19937';
import {
  gkHistogram,
  gkWeightedHistogram,
  resolveGkParams,
  startSumsFromBins,
  valueHistogram,
  type GkParams,
} from './gustafsonKessel';

export interface GkSegmentResult {
  /** 1 where the kept (smallest) cluster is, else 0; same layout as the input slice. */
  mask: Uint8Array;
  /** Cluster centres (HU). */
  centers: number[];
  /** Centres truncated toward zero (numpy astype(int32)). */
  centersTruncated: number[];
  /** Pixels per cluster (labels of highest membership). */
  pixelsPerCluster: number[];
  /** The truncated centre value that was kept. */
  keptValue: number;
  /** Number of pixels set to 1. */
  keptPixels: number;
  iterations: number;
  lastDelta: number;
  singularCovarianceEvents: number;
}

export interface GkSliceResult extends Omit<GkSegmentResult, 'mask'> {
  /** Slice index (z) in the volume. */
  z: number;
}

/**
 * The seed's `min_label_volume` on the clustered image: the truncated centre
 * value with the fewest pixels, ties broken toward the smallest value.
 */
export function minLabelVolume(centersTruncated: ArrayLike<number>, pixelsPerCluster: ArrayLike<number>): number {
  const byValue = new Map<number, number>();
  for (let i = 0; i < centersTruncated.length; i++) {
    if (pixelsPerCluster[i] === 0) continue; // np.unique sees only values that occur
    const v = centersTruncated[i];
    byValue.set(v, (byValue.get(v) ?? 0) + pixelsPerCluster[i]);
  }
  let best = NaN;
  let bestCount = Infinity;
  for (const [v, c] of byValue) {
    if (c < bestCount || (c === bestCount && v < best)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

function truncInt32(v: number): number {
  return v | 0; // toward zero, as a C cast to int32 (centres are far inside the int32 range)
}

/**
 * Cluster one lung-only HU slice (all its pixels) and keep the smallest cluster.
 * A slice of one value only (no lung on it: every pixel was set to 0 HU) has
 * no structure to find: the mask is empty (the seed would keep every pixel,
 * all clusters collapsing onto that value).
 */
export function gkSegment(lungOnlyHuSlice: Int16Array, params?: Partial<GkParams>): GkSegmentResult {
  const p = resolveGkParams(params);
  const r = gkHistogram(lungOnlyHuSlice, p);
  const centers = Array.from(r.centers);
  const centersTruncated = centers.map(truncInt32);
  const pixelsPerCluster = Array.from(r.pixelsPerCluster);
  const keptValue = r.binValues.length < 2 ? NaN : minLabelVolume(centersTruncated, pixelsPerCluster);

  // value -> 0/1 lookup over the slice's value range
  const B = r.binValues.length;
  const minValue = r.binValues[0];
  const lut = new Uint8Array(r.binValues[B - 1] - minValue + 1);
  for (let b = 0; b < B; b++) lut[r.binValues[b] - minValue] = centersTruncated[r.binLabels[b]] === keptValue ? 1 : 0;
  const N = lungOnlyHuSlice.length;
  const mask = new Uint8Array(N);
  let keptPixels = 0;
  for (let k = 0; k < N; k++) {
    const v = lut[lungOnlyHuSlice[k] - minValue];
    mask[k] = v;
    keptPixels += v;
  }
  return {
    mask,
    centers,
    centersTruncated,
    pixelsPerCluster,
    keptValue,
    keptPixels,
    iterations: r.iterations,
    lastDelta: r.lastDelta,
    singularCovarianceEvents: r.singularCovarianceEvents,
  };
}

export interface GkSlicesResult {
  /** nx * ny * (zTo - zFrom) 0/1 values: slice zFrom first. */
  mask: Uint8Array;
  slices: GkSliceResult[];
}

/**
 * `gkSegment` on the slices z = zFrom .. zTo - 1 (zTo exclusive) of a
 * lung-only HU volume (x + y*nx + z*nx*ny). The tutorial's five slices around
 * a middle slice M are zFrom = M - 2, zTo = M + 3.
 */
export function gkSegmentSlices(
  lungOnlyHu: Int16Array,
  nx: number,
  ny: number,
  zFrom: number,
  zTo: number,
  params?: Partial<GkParams>,
  onProgress?: (done: number, total: number) => void,
): GkSlicesResult {
  const sliceSize = nx * ny;
  const nz = lungOnlyHu.length / sliceSize;
  if (!Number.isInteger(nz) || zFrom < 0 || zTo > nz || zFrom >= zTo) {
    throw new RangeError(`GK: slice range ${zFrom}..${zTo} outside 0..${nz}`);
  }
  const total = zTo - zFrom;
  const mask = new Uint8Array(sliceSize * total);
  const slices: GkSliceResult[] = [];
  for (let z = zFrom; z < zTo; z++) {
    const r = gkSegment(lungOnlyHu.subarray(z * sliceSize, (z + 1) * sliceSize), params);
    mask.set(r.mask, (z - zFrom) * sliceSize);
    const { mask: _mask, ...info } = r;
    slices.push({ z, ...info });
    onProgress?.(z - zFrom + 1, total);
  }
  return { mask, slices };
}

export interface GkVolumeResult extends Omit<GkSegmentResult, 'mask'> {
  /** 1 for lung voxels in the kept cluster, else 0 (whole-volume layout). */
  mask: Uint8Array;
  /** Lung voxels clustered. */
  voxelsClustered: number;
}

/**
 * One GK clustering of all voxels inside `lungMask`, on the histogram of
 * their HU values; the mask marks the lung voxels of the kept cluster
 * (fewest voxels, as in gkSegment).
 *
 * Choices (no reference exists for this variant):
 * - Only voxels inside the lung mask are clustered. The per-slice tutorial
 *   form also clusters the 0-HU pixels outside the lung, which costs a
 *   cluster near 0 HU; here all C clusters describe lung tissue.
 * - The start memberships are drawn per distinct HU value (numpy-style
 *   Dirichlet over the B values, seed as given) and shared by all voxels of
 *   that value, instead of per voxel: millions of per-voxel draws would cost
 *   far more than the clustering and reproduce nothing.
 * Cost O(V) for the histogram and the mask plus O(maxIter * C * B).
 */
export function gkSegmentVolume(hu: Int16Array, lungMask: Uint8Array, params?: Partial<GkParams>): GkVolumeResult {
  const p = resolveGkParams(params);
  const C = p.clusters;
  const V = hu.length;
  if (lungMask.length !== V) throw new RangeError('GK: mask and volume sizes differ');
  let inside = 0;
  for (let i = 0; i < V; i++) if (lungMask[i]) inside++;
  const mask = new Uint8Array(V);
  if (inside === 0) {
    return {
      mask,
      voxelsClustered: 0,
      centers: [],
      centersTruncated: [],
      pixelsPerCluster: new Array<number>(C).fill(0),
      keptValue: NaN,
      keptPixels: 0,
      iterations: 0,
      lastDelta: NaN,
      singularCovarianceEvents: 0,
    };
  }
  const values = new Int16Array(inside);
  for (let i = 0, j = 0; i < V; i++) if (lungMask[i]) values[j++] = hu[i];
  const h = valueHistogram(values);
  const B = h.binValues.length;
  const u0 = dirichletOnes(new Mt19937(p.seed), B, C);
  const r = gkWeightedHistogram(h.binValues, h.binCounts, startSumsFromBins(u0, h.binCounts, C, p.m), p);
  const centers = Array.from(r.centers);
  const centersTruncated = centers.map(truncInt32);
  const pixelsPerCluster = Array.from(r.pixelsPerCluster);
  const keptValue = minLabelVolume(centersTruncated, pixelsPerCluster);
  const lut = new Uint8Array(h.binOfValue.length);
  for (let b = 0; b < B; b++) lut[h.binValues[b] - h.minValue] = centersTruncated[r.binLabels[b]] === keptValue ? 1 : 0;
  let keptPixels = 0;
  for (let i = 0; i < V; i++) {
    if (!lungMask[i]) continue;
    const v = lut[hu[i] - h.minValue];
    mask[i] = v;
    keptPixels += v;
  }
  return {
    mask,
    voxelsClustered: inside,
    centers,
    centersTruncated,
    pixelsPerCluster,
    keptValue,
    keptPixels,
    iterations: r.iterations,
    lastDelta: r.lastDelta,
    singularCovarianceEvents: r.singularCovarianceEvents,
  };
}
