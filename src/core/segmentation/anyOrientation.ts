/**
 * Lung segmentation and airway / lung split for stacks of any orientation.
 *
 * segmentLungs.ts and splitAirwayAndLungs.ts work slice by slice on axial
 * slices (2D filling of lung structures, the image-border rule for outside
 * air, the trachea followed from slice to slice, in-plane erosion). A
 * sagittal or coronal stack is therefore first copied into axial index order
 * (volume/reorient.ts: a pure permutation of the index axes, the same
 * patient-space voxels), segmented there, and the masks are copied back onto
 * the original grid. For the split, axialRunsOf gives a mask's runs in axial
 * order (for splitAirwayAndLungsOfRuns) and axialDataToOwnGrid puts its
 * labels back.
 *
 * An axial stack goes straight to the original functions: no copy, the
 * very same result objects.
 *
 * Cost for a non-axial stack, on top of the segmentation itself: one copy of
 * the HU into axial order (2 B/voxel, O(voxels)); the two lung masks come
 * back as runs (permuteRuns.ts, O(runs + mask surface)) painted into new
 * masks (1 B/voxel each), and those runs are the `runs` of the result.
 * Peak memory: the HU copy (2 B/voxel) next to the original while the
 * segmentation runs. Results equal those of the axial stack with the same
 * axis signs (see reorient.ts for the ties that depend on signs).
 */
import { axialOrderOf, fromAxialData, permuteGeometry, toAxialVolume } from '../volume/reorient';
import { geometryOf, type Volume, type VolumeGeometry } from '../volume/volume';
import { permuteRuns } from './permuteRuns';
import { maskOfRuns, type RunSet } from './runs';
import {
  segmentLungVariants,
  segmentLungVariantRuns,
  SegmentationAbortedError,
  type LungRuns,
  type LungVariantsResult,
  type SegmentLungVariantsParams,
} from './segmentLungs';

/** Share of the progress bar given to the copies around a reoriented run. */
const COPY_IN = 0.05;
export const COPY_OUT = 0.05;

function checkAbort(signal: { aborted: boolean } | undefined, message?: string): void {
  if (signal?.aborted) throw new SegmentationAbortedError(message);
}

/** Progress of the inner run mapped into [COPY_IN, 1 - COPY_OUT], stage names kept. */
export function innerProgress(report: ((fraction: number, stage: string) => void) | undefined): ((fraction: number, stage: string) => void) | undefined {
  if (!report) return undefined;
  const span = 1 - COPY_IN - COPY_OUT;
  return (f, stage) => {
    if (stage !== 'done') report(COPY_IN + f * span, stage);
  };
}

/**
 * segmentLungVariants for a stack of any orientation: same result type, masks
 * (and with `withRuns` their runs) on the volume's own grid.
 */
export function segmentLungVariantsAnyOrientation(volume: Volume, params: SegmentLungVariantsParams = {}): LungVariantsResult {
  const order = axialOrderOf(volume);
  if (order.identity) return segmentLungVariants(volume, params);
  const { signal, onProgress } = params;
  checkAbort(signal);
  onProgress?.(0, 'reorient to axial');
  const axial = toAxialVolume(volume, order);
  const r = segmentLungVariants(axial, { ...params, withRuns: true, onProgress: innerProgress(onProgress) });
  checkAbort(signal);
  onProgress?.(1 - COPY_OUT, 'back to the original grid');
  const runs = r.runs as LungRuns;
  const fillRuns = permuteRuns(runs.fill, order.inverse);
  const noFillRuns = permuteRuns(runs.noFill, order.inverse);
  const out: LungVariantsResult = { fill: maskOfRuns(fillRuns, volume), noFill: maskOfRuns(noFillRuns, volume) };
  if (params.withRuns) out.runs = { fill: fillRuns, noFill: noFillRuns, voxels: runs.voxels };
  onProgress?.(1, 'done');
  return out;
}

/**
 * segmentLungVariantRuns for a stack of any orientation: the runs of both
 * masks on the volume's own grid, no voxel mask painted.
 */
export function segmentLungVariantRunsAnyOrientation(volume: Volume, params: Omit<SegmentLungVariantsParams, 'withRuns'> = {}): LungRuns {
  const order = axialOrderOf(volume);
  if (order.identity) return segmentLungVariantRuns(volume, params);
  const { signal, onProgress } = params;
  checkAbort(signal);
  onProgress?.(0, 'reorient to axial');
  const runs = segmentLungVariantRuns(toAxialVolume(volume, order), { ...params, onProgress: innerProgress(onProgress) });
  checkAbort(signal);
  onProgress?.(1 - COPY_OUT, 'back to the original grid');
  const out = { fill: permuteRuns(runs.fill, order.inverse), noFill: permuteRuns(runs.noFill, order.inverse), voxels: runs.voxels };
  onProgress?.(1, 'done');
  return out;
}

/**
 * The runs of a mask on grid `g` in axial index order, with the axial
 * geometry (for an axial grid the runs themselves): what
 * splitAirwayAndLungsOfRuns wants, without a voxel copy. O(runs).
 */
export function axialRunsOf(runs: RunSet, g: VolumeGeometry): { runs: RunSet; geometry: VolumeGeometry } {
  if (runs.nx !== g.nx || runs.ny !== g.ny || runs.nz !== g.nz) throw new RangeError('runs and geometry are on different grids');
  const order = axialOrderOf(g);
  if (order.identity) return { runs, geometry: geometryOf(g) };
  return { runs: permuteRuns(runs, order.perm), geometry: permuteGeometry(g, order.perm) };
}

/** Runs made on the axial grid of `g` (axialRunsOf's), put back on g's own grid (the runs themselves when g is axial). O(runs). */
export function axialRunsToOwnGrid(axialRuns: RunSet, g: VolumeGeometry): RunSet {
  const order = axialOrderOf(g);
  return order.identity ? axialRuns : permuteRuns(axialRuns, order.inverse);
}

/** Voxel data (1 B/voxel) made on the axial grid of `g` (axialRunsOf's), put back on g's own grid (the array itself when g is axial). */
export function axialDataToOwnGrid(axialData: Uint8Array, g: VolumeGeometry): Uint8Array {
  const order = axialOrderOf(g);
  return order.identity ? axialData : fromAxialData(axialData, g, order);
}
