/**
 * The stages of the lung analysis, each written once. Every host calls
 * these functions and differs only in its schedule: runAnalysis.ts runs
 * them one after the other (tests, benchmark), the CLI on two threads
 * (cli/analysisThread.ts), the browser in a worker with a memory-first
 * order (state/analysis.ts over workers/analysisWorkerApi.ts).
 *
 *   segmentStage   both lung masks of the tutorial (with and without filling
 *                  enclosed structures) as row runs, painted into voxel masks
 *                  only when asked; sagittal and coronal stacks are
 *                  segmented in axial index order (segmentation/anyOrientation.ts)
 *   internalStage  internal structures = fill − noFill as runs, with the
 *                  voxel counts of the three masks (internalMask.ts)
 *   gkStage        Gustafson–Kessel clustering (1-D: fuzzy c-means) of the
 *                  lung-only HU, per slice on the tutorial's slices around a
 *                  centre (gk_segment: the smallest cluster kept per slice)
 *                  or once over all lung voxels (clustering/gkSegment.ts)
 *   splitStage     airway / right lung / left lung of the filled mask
 *                  (splitAirwayAndLungs.ts), numbers only, with labels on
 *                  the mask's own grid, and/or with runs per label
 *   densitometryStage  HU measures per lung and region on the split's runs
 *                  per label, or its labels (densitometry.ts)
 *   trustStage     whether the numbers can be trusted: the series' geometry
 *                  and the lungs against the field of view (trust.ts)
 *   inclusiveStage the inclusive lung mask (inclusiveLungs.ts: the aerated
 *                  lung and the dense lung against the chest wall) and the
 *                  field-of-view check; measuredLungRuns picks the mask the
 *                  split, densitometry and lung surface use
 *   surfaces       mesh/surface.ts `surface` (marching cubes, smoothing,
 *                  decimation, colours), called by each host as its own stage
 *
 * Inputs are the HU volume, its geometry and masks as row runs (runs.ts);
 * outputs are plain data (runs, typed arrays, numbers). Every stage takes
 * `{ onProgress, signal }`: progress is the fraction of the stage and an
 * optional step name; `signal.aborted` is checked between and inside steps
 * and ends the stage with an error named 'AbortError'.
 *
 * Reference: ../shared/reference/seed_pipeline.py (the tutorial's Python
 * pipeline); the choice of the GK slices is explained in analysisParams.ts.
 * Cost and memory are those of the functions each stage calls (see their
 * headers): O(voxels) for the segmentation's threshold pass, O(runs) for
 * the internal structures, the split and the lung-only HU of the GK slices.
 */
import { gkSegmentSlices, gkSegmentVolume } from '../clustering/gkSegment';
import { freeNow } from '../memory/freeNow';
import { axialRunsOf, axialRunsToOwnGrid, axialDataToOwnGrid, segmentLungVariantRunsAnyOrientation, segmentLungVariantsAnyOrientation } from '../segmentation/anyOrientation';
import { maskOfRuns, paintRuns, runsFromMask, type RunSet } from '../segmentation/runs';
import type { LungBackground, LungMasks, LungRuns } from '../segmentation/segmentLungs';
import { inclusiveLungRunsAnyOrientation, type FovCutResult, type InclusiveLungParams, type InclusiveLungResult } from '../segmentation/inclusiveLungs';
import { AIRWAY_LABEL, LEFT_LUNG_LABEL, RIGHT_LUNG_LABEL, splitAirwayAndLungsOfRuns, type AirwaySplitResult, type SplitLabelRuns } from '../segmentation/splitAirwayAndLungs';
import { geometryOf, voxelToPatientMm, voxelVolumeMm3, type Mask, type Volume, type VolumeGeometry } from '../volume/volume';
import { gkSliceRange, sliceZMm, type GkStageParams, type LungMaskChoice } from './analysisParams';
import { densitometry, type DensitometryParams, type DensitometryResult } from './densitometry';
import { assessTrust, measureLungField, measureLungFieldOfRuns, type LungFieldMeasure, type TrustVerdict } from './trust';
import type { Geometry3dTrust } from '../dicom/types';
import { internalStructuresFromRuns, lungOnlyHuOfRuns, type InternalStructures } from './internalMask';

export interface StageOptions {
  /** Fraction of the stage done in [0, 1], and what runs now. */
  onProgress?: (fraction: number, step?: string) => void;
  /** Cooperative cancellation; checked between and inside steps. */
  signal?: { readonly aborted: boolean };
}

/** Thrown when a stage sees `signal.aborted`; name 'AbortError' like DOMException's. */
export class AnalysisAbortedError extends Error {
  constructor(message = 'analysis aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/** True for the abort errors of the stages and of the functions they call. */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export function checkAbort(signal: StageOptions['signal']): void {
  if (signal?.aborted) throw new AnalysisAbortedError();
}

const clock: { now(): number } = (globalThis as { performance?: { now(): number } }).performance ?? Date;

/** Milliseconds since an arbitrary origin (performance.now where available). */
export function nowMs(): number {
  return clock.now();
}

// ---------------------------------------------------------------------------
// segment
// ---------------------------------------------------------------------------

export interface SegmentStageParams {
  /** Body is HU >= threshold, air below it. */
  thresholdHu: number;
  /** Which air counts as outside the patient (segmentLungs.ts). */
  background: LungBackground;
  /** Also paint both masks into voxel masks (1 B/voxel each); default false: runs only. */
  withMasks?: boolean;
}

export interface SegmentStageResult {
  /** Row runs of both masks on the volume's grid, with their voxel counts. */
  runs: LungRuns & { voxels: { fill: number; noFill: number } };
  /** The voxel masks, when asked for (withMasks). */
  masks: LungMasks | null;
  /**
   * Time of each variant. The two share the threshold pass and the first 3D
   * labelling (`sharedMs`), split equally between them; the rest of each is
   * measured on its own. segmentNoFillMs + segmentFillMs = totalMs.
   */
  timingsMs: { sharedMs: number; segmentNoFillMs: number; segmentFillMs: number; totalMs: number };
}

/** Both lung masks of the tutorial, as runs (and voxel masks when asked for), with the time of each variant. */
export function segmentStage(volume: Volume, params: SegmentStageParams, opts: StageOptions = {}): SegmentStageResult {
  checkAbort(opts.signal);
  const report = opts.onProgress;
  const t0 = nowMs();
  // The segmentation names its sub-steps; the first 'largest air pocket'
  // ends the shared part, 'fill lung structures' starts the filled variant.
  let tShared = -1;
  let tFill = -1;
  const seg = {
    thresholdHu: params.thresholdHu,
    background: params.background,
    signal: opts.signal,
    onProgress: (f: number, step: string) => {
      if (tShared < 0 && step.startsWith('largest air pocket')) tShared = nowMs();
      else if (tFill < 0 && step.startsWith('fill lung structures')) tFill = nowMs();
      report?.(f, step);
    },
  };
  let runs: LungRuns;
  let masks: LungMasks | null = null;
  if (params.withMasks) {
    const r = segmentLungVariantsAnyOrientation(volume, { ...seg, withRuns: true });
    runs = r.runs as LungRuns;
    masks = { fill: r.fill, noFill: r.noFill };
  } else {
    runs = segmentLungVariantRunsAnyOrientation(volume, seg);
  }
  const t1 = nowMs();
  const totalMs = t1 - t0;
  let sharedMs = totalMs;
  let noFillOwn = 0;
  let fillOwn = 0;
  if (tShared >= 0 && tFill >= tShared) {
    sharedMs = tShared - t0;
    noFillOwn = tFill - tShared;
    fillOwn = t1 - tFill;
  }
  const voxels = runs.voxels ?? internalStructuresFromRuns(volume, runs).voxels;
  return {
    runs: { fill: runs.fill, noFill: runs.noFill, voxels: { fill: voxels.fill, noFill: voxels.noFill } },
    masks,
    timingsMs: { sharedMs, segmentNoFillMs: sharedMs / 2 + noFillOwn, segmentFillMs: sharedMs / 2 + fillOwn, totalMs },
  };
}

// ---------------------------------------------------------------------------
// internal structures
// ---------------------------------------------------------------------------

export interface InternalStageResult {
  /** fill − noFill as row runs (internalMask.ts; a mask is painted only when asked for). */
  internal: InternalStructures & { runs: RunSet };
  /** Voxel counts of the three masks. */
  voxels: { fill: number; noFill: number; internal: number };
}

/** internal = fill − noFill from the masks' runs, with the voxel counts (O(runs), no voxel written). */
export function internalStage(geometry: VolumeGeometry, runs: LungRuns, opts: StageOptions = {}): InternalStageResult {
  checkAbort(opts.signal);
  opts.onProgress?.(0, 'internal structures');
  const r = internalStructuresFromRuns(geometry, runs);
  opts.onProgress?.(1, 'internal structures');
  return r;
}

// ---------------------------------------------------------------------------
// Gustafson–Kessel
// ---------------------------------------------------------------------------

export interface GkSliceInfo {
  /** Slice index (volume z order), or -1 for the one clustering of the whole lung. */
  z: number;
  /** Patient z (LPS mm) of the slice centre (NaN for the whole lung). */
  zMm: number;
  /** Cluster centres in HU, in the clustering's cluster order. */
  centersHu: number[];
  /** Truncated centre of the kept (smallest) cluster. */
  keptValue: number;
  /** Pixels (voxels) of the kept cluster. */
  keptPixels: number;
  /** Iterations run. */
  iterations: number;
}

export interface GkStageResult {
  scope: GkStageParams['scope'];
  /** z indices of the clustered slices, ascending (all slices for the whole lung). */
  slices: number[];
  /** Volume slice of the mask's first plane, and the number of planes. */
  zFrom: number;
  planes: number;
  /** Kept-cluster mask (0/1), planes zFrom .. zFrom + planes - 1 of the volume grid (nx*ny each). */
  mask: Uint8Array;
  /** Per clustered slice ('slices'), or one entry with z = -1 ('volume'). */
  perSlice: GkSliceInfo[];
  keptVoxels: number;
  ml: number;
}

/**
 * GK structures. 'slices': the tutorial's gk_segment on the lung-only HU (HU
 * inside the filled mask, 0 elsewhere) of gkSliceRange(centreSlice,
 * halfSlices), made from the runs for those slices only. 'volume': one
 * clustering of all lung voxels (gkSegmentVolume; paints a 1 B/voxel lung
 * mask for as long as it runs).
 */
export function gkStage(volume: Volume, fill: RunSet, params: GkStageParams, opts: StageOptions = {}): GkStageResult {
  checkAbort(opts.signal);
  const report = opts.onProgress;
  const g = volume;
  const voxelMl = voxelVolumeMm3(g) / 1000;
  const gk = { clusters: params.clusters, m: params.m, maxIter: params.maxIter, error: params.error, seed: params.seed };
  if (params.scope === 'volume') {
    report?.(0, 'clustering all lung voxels');
    const lung = maskOfRuns(fill, g);
    const r = gkSegmentVolume(volume.hu, lung.data, gk);
    freeNow(lung.data);
    report?.(1, 'done');
    return {
      scope: 'volume',
      slices: Array.from({ length: g.nz }, (_, z) => z),
      zFrom: 0,
      planes: g.nz,
      mask: r.mask,
      perSlice: [{ z: -1, zMm: NaN, centersHu: r.centers, keptValue: r.keptValue, keptPixels: r.keptPixels, iterations: r.iterations }],
      keptVoxels: r.keptPixels,
      ml: r.keptPixels * voxelMl,
    };
  }
  const slices = gkSliceRange(g, params.centreSlice, params.halfSlices);
  const zFrom = slices[0] ?? 0;
  const planes = slices.length;
  const lungHu = lungOnlyHuOfRuns(volume.hu, fill, zFrom, planes);
  report?.(0, `clustering ${planes} slices`);
  const r = gkSegmentSlices(lungHu, g.nx, g.ny, 0, planes, gk, (done, total) => {
    checkAbort(opts.signal);
    report?.(done / total, `slice ${done} of ${total}`);
  });
  freeNow(lungHu);
  let kept = 0;
  const perSlice = r.slices.map((sl): GkSliceInfo => {
    kept += sl.keptPixels;
    const z = sl.z + zFrom;
    return { z, zMm: sliceZMm(g, z), centersHu: sl.centers, keptValue: sl.keptValue, keptPixels: sl.keptPixels, iterations: sl.iterations };
  });
  return { scope: 'slices', slices, zFrom, planes, mask: r.mask, perSlice, keptVoxels: kept, ml: kept * voxelMl };
}

/** The grid of a GK result's mask (its planes only) and the mask as runs on it. */
export function gkMaskRuns(volume: VolumeGeometry, gk: Pick<GkStageResult, 'zFrom' | 'planes' | 'mask'>): { geometry: VolumeGeometry; runs: RunSet } {
  const geometry = { ...geometryOf(volume), nz: gk.planes, originMm: voxelToPatientMm(volume, 0, 0, gk.zFrom) };
  return { geometry, runs: runsFromMask(gk.mask, geometry) };
}

// ---------------------------------------------------------------------------
// trust
// ---------------------------------------------------------------------------

export interface TrustStageResult extends TrustVerdict {
  /** The lung field measures the verdict judged (trust.ts measureLungField). */
  field: LungFieldMeasure;
}

/**
 * Whether the numbers of this analysis can be trusted (trust.ts): the
 * series' geometry verdict and the filled lung mask against the image
 * border and the body. Given as runs, the mask is painted for the one pass
 * and freed (1 B/voxel while it runs).
 */
export function trustStage(
  volume: Volume, fill: Mask | RunSet, thresholdHu: number, series?: { geometry3d?: Geometry3dTrust; rescaleWarning?: string }, fieldOfViewCut?: string | null,
  field: LungFieldMeasure = lungFieldStage(volume, fill, thresholdHu),
): TrustStageResult {
  return { ...assessTrust({ geometry3d: series?.geometry3d, rescaleWarning: series?.rescaleWarning, field, fieldOfViewCut }), field };
}

/**
 * The measuring half of trustStage (the lung-field measures of the filled
 * mask, trust.ts), for a host that measures on another thread while the
 * analysis runs and hands the result to trustStage.
 */
export function lungFieldStage(volume: Volume, fill: Mask | RunSet, thresholdHu: number): LungFieldMeasure {
  // From runs: no voxel mask is painted, and only the lung's voxels are looked at beside one count over the HU.
  return 'data' in fill ? measureLungField(volume.hu, fill, thresholdHu) : measureLungFieldOfRuns(volume.hu, fill, thresholdHu);
}

// ---------------------------------------------------------------------------
// densitometry
// ---------------------------------------------------------------------------

/**
 * Densitometry (densitometry.ts) of the lungs the split labelled: its runs
 * per label when it made them (`withRuns`: no pass over a label volume),
 * else its labels (1 airway, 2 right lung, 3 left lung, on the volume's
 * grid); null when the split failed or made neither (the measures need both
 * lungs apart). The browser's worker passes just the runs.
 */
export function densitometryStage(
  volume: Volume, split: AirwaySplitResult | { ok: true; runs: SplitLabelRuns } | null, params: DensitometryParams, opts: StageOptions = {},
): DensitometryResult | null {
  checkAbort(opts.signal);
  if (!split?.ok) return null;
  const input = split.runs ? { runs: split.runs } : 'labels' in split && split.labels.length === volume.hu.length ? { labels: split.labels } : null;
  if (!input) return null;
  opts.onProgress?.(0, 'densitometry');
  const r = densitometry(volume.hu, volume, input, params);
  opts.onProgress?.(1, 'densitometry');
  return r;
}

// ---------------------------------------------------------------------------
// airway / right / left
// ---------------------------------------------------------------------------

/**
 * Airway / right / left split of the filled mask, from its runs, in axial
 * index order (the split follows the airway down the slices). With
 * `withLabels` the labels (0 none, 1 airway, 2 right, 3 left) come on the
 * mask's own grid; with `withRuns` the binary runs of each label (right,
 * left, airway) on that grid, O(runs), no voxel array; without either, only
 * the numbers. airwaySlices are indices along the grid's head–feet axis.
 */
export function splitStage(geometry: VolumeGeometry, fill: RunSet, opts: StageOptions & { withLabels?: boolean; withRuns?: boolean } = {}): AirwaySplitResult {
  checkAbort(opts.signal);
  const withLabels = opts.withLabels ?? false;
  const withRuns = opts.withRuns ?? false;
  const axial = axialRunsOf(fill, geometry);
  const report = opts.onProgress;
  const r = splitAirwayAndLungsOfRuns(axial.runs, axial.geometry, {
    withLabels,
    withRuns,
    signal: opts.signal,
    onProgress: report ? (f, step) => report(f, step) : undefined,
  });
  report?.(1, 'done');
  if (!r.ok || axial.runs === fill) return r;
  const own = (x: RunSet) => axialRunsToOwnGrid(x, geometry);
  return {
    ...r,
    labels: withLabels ? axialDataToOwnGrid(r.labels, geometry) : r.labels,
    runs: r.runs ? { right: own(r.runs.right), left: own(r.runs.left), airway: own(r.runs.airway) } : null,
  };
}

// ---------------------------------------------------------------------------
// inclusive lung mask
// ---------------------------------------------------------------------------

export interface InclusiveStageResult extends InclusiveLungResult {
  /** Lungs cut by the image border (segmentation/inclusiveLungs.ts `lungsCutByFieldOfView`). */
  fieldOfView: FovCutResult;
  timingsMs: { totalMs: number };
}

/**
 * The inclusive lung mask (segmentation/inclusiveLungs.ts): the filled
 * mask's runs (segmentStage's `runs.fill`) plus the dense lung between the
 * aerated lung and the ribs, with the field-of-view check; sagittal and
 * coronal stacks are worked on in axial index order (anyOrientation.ts's
 * way). Runs and counts only; labels on demand with inclusiveLabels.
 */
export function inclusiveStage(volume: Volume, fillRuns: RunSet, params: InclusiveLungParams = {}, opts: StageOptions = {}): InclusiveStageResult {
  checkAbort(opts.signal);
  const t0 = nowMs();
  const r = inclusiveLungRunsAnyOrientation(volume, fillRuns, params, { signal: opts.signal, onProgress: opts.onProgress });
  const t1 = nowMs();
  opts.onProgress?.(1, 'done');
  const notes = r.fieldOfView.reason ? [...r.notes, r.fieldOfView.reason] : r.notes;
  return { ...r, notes, timingsMs: { totalMs: t1 - t0 } };
}

/** The runs of the lung mask chosen for the measurements and the lung surface. */
export function measuredLungRuns(choice: LungMaskChoice, seg: LungRuns, inclusive: { runs: RunSet } | null): RunSet {
  if (choice === 'inclusive') {
    if (!inclusive) throw new Error('the inclusive lung mask was asked for but not made');
    return inclusive.runs;
  }
  return choice === 'fill' ? seg.fill : seg.noFill;
}

export const INCLUSIVE_LABEL = { rightLung: 1, leftLung: 2, airway: 3 } as const;

/**
 * The split's labels (splitAirwayAndLungs.ts codes: 1 airway, 2 right,
 * 3 left) on the whole grid of `geometry`: its `labels` when it made them,
 * else painted from its runs per label (O(runs) plus the one array); null
 * when the split failed or made neither. Lets a schedule run the split with
 * runs only (`withRuns`, no voxel pass) and make the voxel labels only when
 * a file needs them.
 */
export function splitLabelVolume(split: AirwaySplitResult | null, geometry: VolumeGeometry): Uint8Array | null {
  if (!split?.ok) return null;
  const voxels = geometry.nx * geometry.ny * geometry.nz;
  if (split.labels.length === voxels) return split.labels;
  if (!split.runs) return null;
  const out = new Uint8Array(voxels);
  paintRuns(split.runs.airway, out, AIRWAY_LABEL);
  paintRuns(split.runs.right, out, RIGHT_LUNG_LABEL);
  paintRuns(split.runs.left, out, LEFT_LUNG_LABEL);
  return out;
}

/**
 * The split's labels (splitLabelVolume) as the lung labels lungview exports:
 * 1 right lung, 2 left lung, 3 airway (INCLUSIVE_LABEL), in a new array, or
 * written into `out` (all 0 before, on the grid of `geometry`); null when
 * the split failed or made neither labels nor runs. From a runs-only split
 * the codes are painted straight from the runs per label.
 */
export function lungLabelsOfSplit(split: AirwaySplitResult | null, geometry?: VolumeGeometry, out?: Uint8Array): Uint8Array | null {
  if (!split?.ok) return null;
  if (geometry && split.runs && split.labels.length === 0) {
    const labels = out ?? new Uint8Array(geometry.nx * geometry.ny * geometry.nz);
    paintRuns(split.runs.airway, labels, INCLUSIVE_LABEL.airway);
    paintRuns(split.runs.right, labels, INCLUSIVE_LABEL.rightLung);
    paintRuns(split.runs.left, labels, INCLUSIVE_LABEL.leftLung);
    return labels;
  }
  const src = split.labels.length > 0 ? split.labels : null;
  if (!src) return null;
  const map = new Uint8Array(256);
  map[AIRWAY_LABEL] = INCLUSIVE_LABEL.airway;
  map[RIGHT_LUNG_LABEL] = INCLUSIVE_LABEL.rightLung;
  map[LEFT_LUNG_LABEL] = INCLUSIVE_LABEL.leftLung;
  const labels = out ?? new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) labels[i] = map[src[i]];
  return labels;
}
