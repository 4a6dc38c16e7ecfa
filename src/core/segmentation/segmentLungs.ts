/**
 * Lung mask from a CT volume: the tutorial's `segment_lung_mask`
 * (../shared/reference/seed_pipeline.py, itself from the Kaggle DSB 2017
 * "full preprocessing tutorial"), reproduced voxel for voxel:
 *
 *   1. binary = HU >= threshold (body, 2) vs air (1); both classes labelled in
 *      3D with full (26-) connectivity, no background.
 *   2. The air component(s) around the patient are merged into the body.
 *   3. fillLungStructures: in every axial slice the body (incl. the outside
 *      air) is labelled in 2D with 8-connectivity; everything that is not the
 *      largest body component (ties: first in raster order) becomes air, so
 *      vessels and airway walls enclosed by lung in that slice are filled.
 *   4. Lungs = air; only the largest 26-connected air component is kept.
 *
 * Two labels of step 1 are the same partition as labelling only the air
 * (body components never change anything), so the work here is: air runs,
 * one run-based 3D labelling, and for the filled variant a 2D labelling of
 * the body runs and a second 3D labelling (see connectedComponents.ts).
 *
 * Background (step 2):
 *   - 'corner': the component of the corner voxel x = 0, y = 0 of the most
 *     superior slice (highest z index when the slice normal points to the
 *     head, as in axial DICOM). The seed takes labels[0, 0, 0] in
 *     InstanceNumber order, whose first slice is the most superior one in
 *     all three reference series, so this is the seed's exact choice.
 *   - 'border' (default): every air component that touches the x/y border of
 *     any slice. A tray or table that cuts the outside air in two no longer
 *     leaves half of it as "lung" (the improvement the tutorial suggests:
 *     several background labels around the patient), and a body-valued
 *     corner voxel does not disable the step. It gives the same masks as
 *     'corner' on all three reference series. It fails, like the seed, when
 *     the lungs themselves touch the image border (cropped field of view).
 *
 * Ties of the final "largest air pocket" are broken as the seed's argmax:
 * the component seen first in the seed's raster order (most superior slice
 * first, then y, then x).
 *
 * Cost: O(voxels) for the threshold pass and painting the mask, O(runs) for
 * everything else; about 9 bytes per air run plus the 1-byte output mask.
 * Index order i = x + y*nx + z*nx*ny throughout.
 */
import type { Mask, Volume, VolumeGeometry } from '../volume/volume';
import { labelRuns, type RunLabels } from './connectedComponents';
import { complementRuns, maskOfRuns, pickRuns, runAt, runsFromThreshold, type RunSet } from './runs';

export const DEFAULT_LUNG_THRESHOLD_HU = -700;

export type LungBackground = 'corner' | 'border';

export interface SegmentLungsParams {
  /** Fill structures enclosed by lung in each axial slice (the seed's fill_lung_structures). */
  fillLungStructures: boolean;
  /** Body is HU >= threshold, air below it. Default -700. */
  thresholdHu?: number;
  /** Which air counts as outside the patient; default 'border' (see the file header). */
  background?: LungBackground;
  /** Called with the fraction done (0..1) and the name of the stage that starts. */
  onProgress?: (fraction: number, stage: string) => void;
  /** Cooperative cancellation: checked between stages and slices. */
  signal?: { aborted: boolean };
}

/** Thrown when `signal.aborted` is seen; name 'AbortError' like DOMException's. */
export class SegmentationAbortedError extends Error {
  constructor(message = 'lung segmentation aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

function checkAbort(signal: { aborted: boolean } | undefined): void {
  if (signal?.aborted) throw new SegmentationAbortedError();
}

/** Index of the most superior slice: the last one when the slice normal points to +z (head). */
export function superiorSliceIndex(g: VolumeGeometry): number {
  return g.directionXyz[2][2] < 0 ? 0 : g.nz - 1;
}

/** Label marks (by air label) of the air that counts as outside the patient. */
function backgroundLabels(air: RunSet, labels: RunLabels, background: LungBackground, zTop: number): Uint8Array {
  const out = new Uint8Array(labels.componentCount + 1);
  if (air.nx === 0 || air.ny === 0 || air.nz === 0) return out;
  if (background === 'corner') {
    const k = runAt(air, 0, 0, zTop);
    if (k >= 0) out[labels.labelOfRun[k]] = 1;
    return out;
  }
  const { nx, ny, nz, rowStart, x0, x1 } = air;
  const lab = labels.labelOfRun;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      const a = rowStart[r];
      const e = rowStart[r + 1];
      if (a === e) continue;
      if (y === 0 || y === ny - 1) {
        for (let k = a; k < e; k++) out[lab[k]] = 1;
      } else {
        if (x0[a] === 0) out[lab[a]] = 1;
        if (x1[e - 1] === nx) out[lab[e - 1]] = 1;
      }
    }
  }
  out[0] = 0;
  return out;
}

/**
 * Largest component among the labels with allowed[label] = 1 (allowed null:
 * all). Ties go to the component seen first when scanning slices from zFirst
 * towards the other end, rows and x ascending (the seed's raster order).
 * Returns 0 when no allowed component exists.
 */
function largestInSeedOrder(runs: RunSet, labels: RunLabels, allowed: Uint8Array | null, zFirst: number): number {
  const { sizes, componentCount, labelOfRun } = labels;
  let max = 0;
  let ties = 0;
  let best = 0;
  for (let l = 1; l <= componentCount; l++) {
    if (allowed !== null && allowed[l] === 0) continue;
    if (sizes[l] > max) {
      max = sizes[l];
      ties = 1;
      best = l;
    } else if (sizes[l] === max) {
      ties++;
    }
  }
  if (ties <= 1) return best;
  const { ny, nz, rowStart } = runs;
  const step = zFirst === 0 ? 1 : -1;
  for (let z = zFirst; z >= 0 && z < nz; z += step) {
    const end = rowStart[(z + 1) * ny];
    for (let k = rowStart[z * ny]; k < end; k++) {
      const l = labelOfRun[k];
      if ((allowed === null || allowed[l] === 1) && sizes[l] === max) return l;
    }
  }
  return best;
}

/** Both masks of one volume, sharing the thresholding and the first labelling. */
export interface LungMasks {
  fill: Mask;
  noFill: Mask;
}

/** The two lung masks as row runs (the runs painted into the masks). */
export interface LungRuns {
  fill: RunSet;
  noFill: RunSet;
  /** Voxels of each mask, when the segmentation gives them (the size of the component it kept). */
  voxels?: { fill: number; noFill: number };
}

/** Both masks, and their runs when asked for (`withRuns`). */
export interface LungVariantsResult extends LungMasks {
  /** Present when segmentLungVariants was called with `withRuns: true`. */
  runs?: LungRuns;
}

export interface SegmentLungVariantsParams extends Omit<SegmentLungsParams, 'fillLungStructures'> {
  /**
   * Also return the run sets of both masks (O(runs) more time and 8 bytes per
   * lung run), so that later set operations on the masks (internal
   * structures, voxel counts) can work on runs instead of voxels.
   */
  withRuns?: boolean;
}

type Variant = 'fill' | 'noFill' | 'both';

interface RunOutput {
  fill?: Mask;
  noFill?: Mask;
  fillRuns?: RunSet;
  noFillRuns?: RunSet;
  /** Voxels of the kept components (their sizes from the labelling; 0 when there is none). */
  fillVoxels?: number;
  noFillVoxels?: number;
}

// Each loop below is a function of its own: the engine then optimises it
// once and reuses it, instead of compiling the loops of one long function
// again and again while they run.

/** 1 - marks[l] for l = 1..count (index 0 stays 0). */
function invertMarks(marks: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count + 1);
  for (let l = 1; l <= count; l++) out[l] = 1 - marks[l];
  return out;
}

/** Per-run selection (1/0) of the runs labelled `label`. */
function runsWithLabel(labelOfRun: Int32Array, count: number, label: number): Uint8Array {
  const sel = new Uint8Array(count);
  for (let k = 0; k < count; k++) sel[k] = labelOfRun[k] === label ? 1 : 0;
  return sel;
}

/** Per-run selection (1/0) of the runs whose label is not marked. */
function runsNotMarked(labelOfRun: Int32Array, count: number, marks: Uint8Array): Uint8Array {
  const sel = new Uint8Array(count);
  for (let k = 0; k < count; k++) sel[k] = 1 - marks[labelOfRun[k]];
  return sel;
}

/**
 * keep[run] = 1 for the runs of the largest 2D component of each slice
 * z0..z1-1 (first in raster order on ties). 2D labels never cross slices and
 * are numbered in raster order, so the labels of one slice are one
 * contiguous range. A slice without runs keeps none (it stays all air, as in
 * the seed).
 */
function keepLargestPerSlice(runs: RunSet, labels: RunLabels, keep: Uint8Array, z0: number, z1: number): void {
  const { ny, rowStart } = runs;
  const bl = labels.labelOfRun;
  const bs = labels.sizes;
  for (let z = z0; z < z1; z++) {
    const a = rowStart[z * ny];
    const e = rowStart[(z + 1) * ny];
    if (a === e) continue;
    const lo = bl[a];
    let hi = lo;
    for (let k = a; k < e; k++) if (bl[k] > hi) hi = bl[k];
    let best = lo;
    for (let l = lo + 1; l <= hi; l++) if (bs[l] > bs[best]) best = l;
    for (let k = a; k < e; k++) keep[k] = bl[k] === best ? 1 : 0;
  }
}

function run(volume: Volume, params: Omit<SegmentLungsParams, 'fillLungStructures'>, variant: Variant, paint = true): RunOutput {
  const threshold = params.thresholdHu ?? DEFAULT_LUNG_THRESHOLD_HU;
  const background = params.background ?? 'border';
  const { signal } = params;
  const report = params.onProgress ?? (() => {});
  const { nx, ny, nz } = volume;
  const voxels = nx * ny * nz;
  if (volume.hu.length !== voxels) throw new RangeError(`volume has ${volume.hu.length} voxels, expected ${voxels}`);
  const zTop = superiorSliceIndex(volume);
  const out: RunOutput = {};

  checkAbort(signal);
  report(0, 'threshold');
  const air = runsFromThreshold(volume.hu, volume, threshold, 'below');
  checkAbort(signal);
  report(0.15, 'label air (3D, 26-connected)');
  const airLabels = labelRuns(air, 26);
  const outside = backgroundLabels(air, airLabels, background, zTop);
  checkAbort(signal);

  if (variant !== 'fill') {
    // Without filling, the air inside the body keeps its 3D components.
    report(0.3, 'largest air pocket');
    const inside = invertMarks(outside, airLabels.componentCount);
    const best = largestInSeedOrder(air, airLabels, inside, zTop);
    out.noFillRuns = pickRuns(air, best > 0 ? runsWithLabel(airLabels.labelOfRun, air.count, best) : new Uint8Array(air.count));
    out.noFillVoxels = best > 0 ? airLabels.sizes[best] : 0;
    if (paint) out.noFill = maskOfRuns(out.noFillRuns, volume);
    checkAbort(signal);
  }

  if (variant !== 'noFill') {
    report(variant === 'both' ? 0.4 : 0.3, 'fill lung structures (2D per slice)');
    // Body = not (air inside the patient): complement of the inner air runs.
    const innerSel = runsNotMarked(airLabels.labelOfRun, air.count, outside);
    const body = complementRuns(air, innerSel);
    checkAbort(signal);
    const bodyLabels = labelRuns(body, 8);
    checkAbort(signal);
    const keepBody = new Uint8Array(body.count);
    for (let z0 = 0; z0 < nz; z0 += 16) {
      keepLargestPerSlice(body, bodyLabels, keepBody, z0, Math.min(nz, z0 + 16));
      checkAbort(signal);
    }
    report(variant === 'both' ? 0.6 : 0.55, 'label filled air (3D, 26-connected)');
    const filled = complementRuns(body, keepBody);
    checkAbort(signal);
    const filledLabels = labelRuns(filled, 26);
    checkAbort(signal);
    report(0.9, 'largest air pocket');
    const best = largestInSeedOrder(filled, filledLabels, null, zTop);
    out.fillRuns = pickRuns(filled, best > 0 ? runsWithLabel(filledLabels.labelOfRun, filled.count, best) : new Uint8Array(filled.count));
    out.fillVoxels = best > 0 ? filledLabels.sizes[best] : 0;
    if (paint) out.fill = maskOfRuns(out.fillRuns, volume);
  }
  report(1, 'done');
  return out;
}

/** The lung mask of the seed's `segment_lung_mask(volume, fillLungStructures)`: lungs (and airways) 1, else 0. */
export function segmentLungs(volume: Volume, params: SegmentLungsParams): Mask {
  const r = run(volume, params, params.fillLungStructures ? 'fill' : 'noFill');
  return (params.fillLungStructures ? r.fill : r.noFill) as Mask;
}

/**
 * Both variants at once (one threshold pass and one 3D labelling fewer than
 * two calls); with `withRuns`, also the run sets the masks were painted from.
 */
export function segmentLungVariants(volume: Volume, params: SegmentLungVariantsParams = {}): LungVariantsResult {
  const r = run(volume, params, 'both');
  const masks: LungVariantsResult = { fill: r.fill as Mask, noFill: r.noFill as Mask };
  if (params.withRuns) masks.runs = lungRunsOf(r);
  return masks;
}

/**
 * Both variants as row runs only (runs.ts), no voxel mask painted: for a
 * caller that keeps masks as runs or paints them into an array of its own
 * (the analysis worker writes one label array, internalMask.ts
 * lungLabelsFromRuns), which spares 2 bytes per voxel.
 */
export function segmentLungVariantRuns(volume: Volume, params: Omit<SegmentLungVariantsParams, 'withRuns'> = {}): LungRuns {
  return lungRunsOf(run(volume, params, 'both', false));
}

function lungRunsOf(r: RunOutput): LungRuns {
  return { fill: r.fillRuns as RunSet, noFill: r.noFillRuns as RunSet, voxels: { fill: r.fillVoxels ?? 0, noFill: r.noFillVoxels ?? 0 } };
}

/** fill − noFill as a mask, with the count of voxels where that would be −1 (noFill = 1, fill = 0). */
export interface InternalStructuresMask extends Mask {
  /** Voxels in noFill but not in fill; they are 0 in `data` (the seed keeps only the value 1). */
  minusOneVoxels: number;
}
