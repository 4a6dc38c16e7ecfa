/**
 * Reference implementations the tests compare the product with: segmentLungs
 * and splitAirwayAndLungs for a stack of any orientation by voxel copies
 * (one mask; the mask in and the labels out, 1 B/voxel each), as
 * anyOrientation.ts does for the analysis with runs.
 * They were product API once and are kept here only so the tests can check
 * the product's faster paths against a plain version; no file in src/
 * uses them.
 */
import { COPY_OUT, innerProgress, axialRunsOf } from '../../src/core/segmentation/anyOrientation';
import { maskOfRuns, type RunSet } from '../../src/core/segmentation/runs';
import { SegmentationAbortedError, segmentLungs, type SegmentLungsParams } from '../../src/core/segmentation/segmentLungs';
import { splitAirwayAndLungs, type AirwaySplitParams, type AirwaySplitResult } from '../../src/core/segmentation/splitAirwayAndLungs';
import { axialOrderOf, fromAxialData, fromAxialMask, toAxialMask, toAxialVolume } from '../../src/core/volume/reorient';
import type { Mask, Volume, VolumeGeometry } from '../../src/core/volume/volume';

/** Throws SegmentationAbortedError once the signal is set. */
function checkAbort(signal: { aborted: boolean } | undefined, message?: string): void {
  if (signal?.aborted) throw new SegmentationAbortedError(message);
}

/** segmentLungs for a stack of any orientation: the mask on the volume's own grid. */
export function segmentLungsAnyOrientation(volume: Volume, params: SegmentLungsParams): Mask {
  const order = axialOrderOf(volume);
  if (order.identity) return segmentLungs(volume, params);
  const { signal, onProgress } = params;
  checkAbort(signal);
  onProgress?.(0, 'reorient to axial');
  const axial = toAxialVolume(volume, order);
  const m = segmentLungs(axial, { ...params, onProgress: innerProgress(onProgress) });
  checkAbort(signal);
  onProgress?.(1 - COPY_OUT, 'back to the original grid');
  const out = fromAxialMask(m, volume, order);
  onProgress?.(1, 'done');
  return out;
}

/**
 * The mask of `runs` (row runs on grid `g`) painted in axial order, with the
 * axial geometry; for an axial grid simply the painted mask. For a caller
 * that holds a lung mask as runs and wants the split's volumes only: run
 * splitAirwayAndLungs on this mask (its `labels` are then in the axial order;
 * mL, voxel counts and erosionMm do not depend on the order, airwaySlices
 * are as described at splitAirwayAndLungsAnyOrientation). Cost:
 * O(runs + mask surface) for the runs and one 1 B/voxel array.
 */
export function axialMaskOfRuns(runs: RunSet, g: VolumeGeometry): Mask {
  const axial = axialRunsOf(runs, g);
  return maskOfRuns(axial.runs, axial.geometry);
}

/**
 * splitAirwayAndLungs for a mask of any orientation, same result type.
 * `runs` (optional): the row runs of `mask`, when at hand; the axial copy of
 * the mask is then painted from them instead of copied voxel by voxel.
 * Grid-dependent fields:
 *   - `labels` is on the mask's own grid;
 *   - `airwaySlices` and the slice numbers in `notes` are indices along the
 *     original grid's axis that runs head-feet (the pure permutation keeps
 *     the numbers: axial slice k is index k along that axis); for an axial
 *     stack that is z, for a DICOM sagittal or coronal one y (the column
 *     index).
 * Volumes (mL), voxel counts and erosionMm (in the axial plane) do not
 * depend on the grid.
 */
export function splitAirwayAndLungsAnyOrientation(mask: Mask, params: AirwaySplitParams = {}, runs?: RunSet): AirwaySplitResult {
  const order = axialOrderOf(mask);
  if (order.identity) return splitAirwayAndLungs(mask, params);
  const { signal, onProgress } = params;
  checkAbort(signal, 'airway / lung split aborted');
  onProgress?.(0, 'reorient to axial');
  const axial = runs !== undefined ? axialMaskOfRuns(runs, mask) : toAxialMask(mask, order);
  const r = splitAirwayAndLungs(axial, { ...params, onProgress: innerProgress(onProgress) });
  if (!r.ok) {
    onProgress?.(1, 'done');
    return r;
  }
  checkAbort(signal, 'airway / lung split aborted');
  onProgress?.(1 - COPY_OUT, 'back to the original grid');
  const labels = fromAxialData(r.labels, mask, order);
  onProgress?.(1, 'done');
  return { ...r, labels };
}
