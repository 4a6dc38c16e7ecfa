/**
 * The analysis pipeline of the tutorial over one CT volume, as separate
 * stages that can also run one by one (the browser runs each in a worker):
 *
 *   segment       lung masks without and with filling of enclosed structures
 *                 (segmentLungs.ts, both variants sharing the threshold and the
 *                 first 3D labelling); a sagittal or coronal stack is
 *                 segmented in axial index order and the masks come back on
 *                 its own grid (segmentation/anyOrientation.ts)
 *   internal      internal structures = fill − noFill, and the voxel counts
 *                 (kept as row runs: meshed from them, painted into a mask
 *                 only when one is asked for)
 *   gk            Gustafson–Kessel clustering (1-D, i.e. fuzzy c-means) of
 *                 the lung-only HU (HU inside the filled mask, 0 elsewhere)
 *                 on a few axial slices, keeping the smallest cluster per
 *                 slice (the tutorial's gk_segment). The tutorial isolates
 *                 the lung in the whole volume first; only these slices are
 *                 ever read, so only they are made (segmentLungs.ts
 *                 `lungOnlyHu` gives the whole volume when a view needs it).
 *   meshLung      marching cubes of the filled lung mask
 *   meshInternal  marching cubes of the internal-structures mask
 *   split         (optional) airway / right lung / left lung split of the
 *                 filled mask (splitAirwayAndLungs.ts, in axial index order
 *                 like the segment stage)
 *
 * Reference: ../shared/reference/seed_pipeline.py (the tutorial's Python
 * pipeline); the choice of the GK slices is explained in analysisParams.ts.
 * The mesh stage itself lives in meshStage.ts (a thread that only meshes
 * loads just that); assembleAnalysisResult puts the stages' outputs together
 * for a caller that schedules the stages itself (the CLI meshes on two
 * threads, src/cli/analysisThread.ts).
 *
 * Every stage takes `{ onProgress, signal }`: progress is (fraction of the
 * stage, stage name), the pipeline reports the overall fraction with the
 * name of the running stage; `signal.aborted` is checked between and inside
 * stages and ends the run with an error named 'AbortError'. Timings are
 * wall-clock ms per stage.
 *
 * Cost: dominated by the two marching-cubes sweeps (O(voxels / 4) plus the
 * surface) and the run-based segmentation (O(voxels) + O(runs)); memory: the
 * HU volume (2 B/voxel, not copied), two masks (1 B/voxel each), the
 * internal structures' runs, the split labels (1 B/voxel) and the meshes.
 */
import { gkSegment } from '../clustering/gkSegment';
import {
  internalMask, internalMeshSource, internalStructuresFromRuns, internalStructuresOfMask, lungOnlyHuSlice, type InternalStructures,
} from './internalMask';
import {
  gkSliceRange,
  resolveAnalysisParams,
  sliceZMm,
  type AnalysisParams,
  type AnalysisParamsInput,
  type GkStageParams,
  type MeshStageParams,
} from './analysisParams';
import { runMeshStage as meshStage, type MeshSource, type MeshStageResult } from './meshStage';
import { segmentLungVariantsAnyOrientation, splitAirwayAndLungsAnyOrientation } from '../segmentation/anyOrientation';
import type { LungBackground, LungRuns } from '../segmentation/segmentLungs';
import type { RunSet } from '../segmentation/runs';
import type { AirwaySplitResult } from '../segmentation/splitAirwayAndLungs';
import { voxelVolumeMm3, type Mask, type Volume } from '../volume/volume';

export type AnalysisStage = 'segment' | 'internal' | 'gk' | 'meshLung' | 'meshInternal' | 'split';

export const ANALYSIS_STAGES: readonly AnalysisStage[] = ['segment', 'internal', 'gk', 'meshLung', 'meshInternal', 'split'];

export interface StageOptions {
  /** Fraction done in [0, 1] and the stage it belongs to. */
  onProgress?: (fraction: number, stage: AnalysisStage) => void;
  /** Cooperative cancellation; checked between and inside stages. */
  signal?: { readonly aborted: boolean };
}

/** Thrown when a stage sees `signal.aborted`; name 'AbortError' like DOMException's. */
export class AnalysisAbortedError extends Error {
  constructor(message = 'analysis aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/** True for the abort errors of this pipeline and of the stages it calls. */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

function checkAbort(signal: StageOptions['signal']): void {
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

export interface SegmentStageResult {
  fill: Mask;
  noFill: Mask;
  /** Row runs of both masks, for the internal stage (which then reads no mask voxel). */
  runs: LungRuns;
  /**
   * Time of each variant. The two share the threshold pass and the first 3D
   * labelling (`sharedMs`), which is split equally between them; the rest of
   * each is measured on its own. segmentNoFillMs + segmentFillMs = totalMs.
   */
  timingsMs: { sharedMs: number; segmentNoFillMs: number; segmentFillMs: number; totalMs: number };
}

/**
 * Both lung masks (segmentLungVariants, through segmentLungVariantsAnyOrientation:
 * a non-axial stack is reordered to axial and back, and that copying is
 * counted in sharedMs and segmentFillMs), with the time of each variant.
 */
export function runSegmentStage(
  volume: Volume,
  params: { thresholdHu: number; background: LungBackground },
  opts: StageOptions = {},
): SegmentStageResult {
  checkAbort(opts.signal);
  const report = opts.onProgress;
  const t0 = nowMs();
  // segmentLungVariants names its sub-steps; the first 'largest air pocket'
  // ends the shared part, 'fill lung structures' starts the filled variant.
  let tShared = -1;
  let tFill = -1;
  const masks = segmentLungVariantsAnyOrientation(volume, {
    thresholdHu: params.thresholdHu,
    background: params.background,
    signal: opts.signal,
    withRuns: true,
    onProgress: (f, step) => {
      if (tShared < 0 && step.startsWith('largest air pocket')) tShared = nowMs();
      else if (tFill < 0 && step.startsWith('fill lung structures')) tFill = nowMs();
      report?.(f, 'segment');
    },
  });
  const t1 = nowMs();
  const totalMs = t1 - t0;
  let sharedMs: number;
  let noFillOwn: number;
  let fillOwn: number;
  if (tShared >= 0 && tFill >= tShared) {
    sharedMs = tShared - t0;
    noFillOwn = tFill - tShared;
    fillOwn = t1 - tFill;
  } else {
    // Sub-steps not seen: split the whole time equally.
    sharedMs = totalMs;
    noFillOwn = 0;
    fillOwn = 0;
  }
  return {
    fill: masks.fill,
    noFill: masks.noFill,
    runs: masks.runs as LungRuns,
    timingsMs: { sharedMs, segmentNoFillMs: sharedMs / 2 + noFillOwn, segmentFillMs: sharedMs / 2 + fillOwn, totalMs },
  };
}

// ---------------------------------------------------------------------------
// internal structures and lung-only HU
// ---------------------------------------------------------------------------

export interface InternalStageResult {
  /** fill − noFill: row runs when the stage had the masks' runs, else a mask (internalMask.ts InternalStructures). */
  internal: InternalStructures;
  /** Voxel counts of the three masks. */
  voxels: { fill: number; noFill: number; internal: number };
}

/**
 * internal = fill − noFill (internalMask.ts), with the voxel counts of all
 * three masks: from the masks' row runs when given (the segment stage's
 * `runs`; O(runs), kept as runs, no mask is written), else word by word
 * over the masks (a mask).
 */
export function runInternalStage(fill: Mask, noFill: Mask, opts: StageOptions = {}, runs: LungRuns | null = null): InternalStageResult {
  checkAbort(opts.signal);
  opts.onProgress?.(0, 'internal');
  const r = runs !== null ? internalStructuresFromRuns(fill, runs) : internalStructuresOfMask(internalMask(fill, noFill));
  opts.onProgress?.(1, 'internal');
  return r;
}

// ---------------------------------------------------------------------------
// Gustafson–Kessel on a few slices
// ---------------------------------------------------------------------------

export interface GkSliceResult {
  /** Slice index (volume z order). */
  z: number;
  /** Patient z (LPS mm) of the slice centre. */
  zMm: number;
  /** Cluster centres in HU, in the clustering's cluster order. */
  centersHu: number[];
  /** Truncated centre of the kept (smallest) cluster. */
  keptValue: number;
  /** Pixels of the kept cluster. */
  keptPixels: number;
  /** Iterations run. */
  iterations: number;
}

export interface GkStageResult {
  /** z indices of the clustered slices, ascending. */
  slices: number[];
  perSlice: GkSliceResult[];
  /** Lung-only HU (HU inside the filled mask, 0 outside) of the slices, one nx*ny plane each, in the order of `slices`. */
  lungOnlyHu: Int16Array;
  /** Kept-cluster masks (0/1), one nx*ny plane per slice in the order of `slices`. */
  kept: Uint8Array;
}

/**
 * The tutorial's gk_segment (clustering/gkSegment.ts) on the lung-only HU of
 * the slices gkSliceRange(volume, centreSlice, halfSlices), one after the
 * other.
 */
export function runGkStage(volume: Volume, fill: Mask, params: GkStageParams, opts: StageOptions = {}): GkStageResult {
  const plane = volume.nx * volume.ny;
  const slices = gkSliceRange(volume, params.centreSlice, params.halfSlices);
  const lungHu = new Int16Array(slices.length * plane);
  const kept = new Uint8Array(slices.length * plane);
  const perSlice: GkSliceResult[] = [];
  const { clusters, m, maxIter, error, seed } = params;
  for (let k = 0; k < slices.length; k++) {
    checkAbort(opts.signal);
    opts.onProgress?.(k / slices.length, 'gk');
    const z = slices[k];
    const sliceHu = lungOnlyHuSlice(volume, fill, z, lungHu.subarray(k * plane, (k + 1) * plane));
    const r = gkSegment(sliceHu, { clusters, m, maxIter, error, seed });
    kept.set(r.mask, k * plane);
    perSlice.push({
      z,
      zMm: sliceZMm(volume, z),
      centersHu: r.centers,
      keptValue: r.keptValue,
      keptPixels: r.keptPixels,
      iterations: r.iterations,
    });
  }
  opts.onProgress?.(1, 'gk');
  return { slices, perSlice, lungOnlyHu: lungHu, kept };
}

// ---------------------------------------------------------------------------
// meshes
// ---------------------------------------------------------------------------

export type { MeshSource, MeshStageResult } from './meshStage';

/** Closed marching-cubes surface of a mask, as voxels or runs (level 0.5), and its area (meshStage.ts). */
export function runMeshStage(source: MeshSource, params: MeshStageParams, stage: 'meshLung' | 'meshInternal', opts: StageOptions = {}): MeshStageResult {
  checkAbort(opts.signal);
  return meshStage(source, params, stage, opts);
}

// ---------------------------------------------------------------------------
// airway / left / right
// ---------------------------------------------------------------------------

/**
 * Airway / right / left split of the filled mask (splitAirwayAndLungsAnyOrientation:
 * labels on the mask's grid; airwaySlices are indices along its head-feet
 * axis). `fillRuns`, the mask's row runs (the segment stage's runs.fill),
 * spare a non-axial stack one voxel copy.
 */
export function runSplitStage(fill: Mask, opts: StageOptions = {}, fillRuns?: RunSet): AirwaySplitResult {
  checkAbort(opts.signal);
  const report = opts.onProgress;
  const r = splitAirwayAndLungsAnyOrientation(
    fill,
    { signal: opts.signal, onProgress: report ? (f) => report(f, 'split') : undefined },
    fillRuns,
  );
  report?.(1, 'split');
  return r;
}

// ---------------------------------------------------------------------------
// the whole pipeline
// ---------------------------------------------------------------------------

export interface AnalysisTimingsMs {
  segmentNoFill: number;
  segmentFill: number;
  /** Part of the two segmentations that they share (already split into them). */
  segmentShared: number;
  internal: number;
  gk: number;
  /** Marching cubes of the filled lung mask (vertices, triangles, normals). */
  meshLung: number;
  meshInternal: number;
  /** Surface areas of both meshes. */
  meshArea: number;
  split: number;
  /** Wall time of runAnalysis. */
  total: number;
}

export interface AnalysisResult {
  params: AnalysisParams;
  fill: Mask;
  noFill: Mask;
  /** Kept as runs by runAnalysis (internalMask.ts internalStructuresMask paints the mask when one is needed). */
  internal: InternalStructures;
  voxels: { lungFill: number; lungNoFill: number; internal: number };
  lungMl: { fill: number; noFill: number; internal: number };
  gk: GkStageResult;
  meshes: { lung: MeshStageResult; internal: MeshStageResult };
  /** null when params.split is false. */
  split: AirwaySplitResult | null;
  timingsMs: AnalysisTimingsMs;
}

/** Share of the overall progress bar per stage (rough relative cost on chest CTs). */
const STAGE_WEIGHT: Record<AnalysisStage, number> = {
  segment: 0.2,
  internal: 0.03,
  gk: 0.12,
  meshLung: 0.25,
  meshInternal: 0.25,
  split: 0.15,
};

/** All stages in order on one volume. The volume is not modified. */
export function runAnalysis(volume: Volume, input: AnalysisParamsInput = {}, opts: StageOptions = {}): AnalysisResult {
  const params = resolveAnalysisParams(input);
  const t0 = nowMs();
  const stages = params.split ? ANALYSIS_STAGES : ANALYSIS_STAGES.filter((s) => s !== 'split');
  const totalWeight = stages.reduce((a, s) => a + STAGE_WEIGHT[s], 0);
  const startOf = new Map<AnalysisStage, number>();
  let acc = 0;
  for (const s of stages) {
    startOf.set(s, acc / totalWeight);
    acc += STAGE_WEIGHT[s];
  }
  const report = opts.onProgress;
  const sub: StageOptions = {
    signal: opts.signal,
    onProgress: report
      ? (f, stage) => report(Math.min(1, (startOf.get(stage) ?? 0) + (f * STAGE_WEIGHT[stage]) / totalWeight), stage)
      : undefined,
  };
  const timed = <T>(fn: () => T): [T, number] => {
    const a = nowMs();
    const r = fn();
    return [r, nowMs() - a];
  };

  const seg = runSegmentStage(volume, params, sub);
  const [inner, internalMs] = timed(() => runInternalStage(seg.fill, seg.noFill, sub, seg.runs));
  const [gk, gkMs] = timed(() => runGkStage(volume, seg.fill, params.gk, sub));
  const meshLung = runMeshStage(seg.fill, params.mesh, 'meshLung', sub);
  const meshInternal = runMeshStage(internalMeshSource(inner.internal), params.mesh, 'meshInternal', sub);
  const [split, splitMs] = params.split ? timed(() => runSplitStage(seg.fill, sub, seg.runs.fill)) : [null, 0];
  checkAbort(opts.signal);
  report?.(1, stages[stages.length - 1]);
  return assembleAnalysisResult(volume, params, { seg, inner, internalMs, gk, gkMs, meshLung, meshInternal, split, splitMs }, nowMs() - t0);
}

/** What the stages of one analysis returned, with the times of the stages that do not time themselves. */
export interface AnalysisStageOutputs {
  seg: SegmentStageResult;
  inner: InternalStageResult;
  internalMs: number;
  gk: GkStageResult;
  gkMs: number;
  meshLung: MeshStageResult;
  meshInternal: MeshStageResult;
  split: AirwaySplitResult | null;
  splitMs: number;
}

/**
 * The AnalysisResult of the stages' outputs (voxel counts to mL, timings);
 * totalMs is the wall time of the whole analysis. runAnalysis uses it, and
 * so can a caller that schedules the stages itself (the CLI runs the two
 * meshes on two threads).
 */
export function assembleAnalysisResult(volume: Volume, params: AnalysisParams, s: AnalysisStageOutputs, totalMs: number): AnalysisResult {
  const { seg, inner, meshLung, meshInternal } = s;
  const voxelMl = voxelVolumeMm3(volume) / 1000;
  const voxels = { lungFill: inner.voxels.fill, lungNoFill: inner.voxels.noFill, internal: inner.voxels.internal };
  return {
    params,
    fill: seg.fill,
    noFill: seg.noFill,
    internal: inner.internal,
    voxels,
    lungMl: { fill: voxels.lungFill * voxelMl, noFill: voxels.lungNoFill * voxelMl, internal: voxels.internal * voxelMl },
    gk: s.gk,
    meshes: { lung: meshLung, internal: meshInternal },
    split: s.split,
    timingsMs: {
      segmentNoFill: seg.timingsMs.segmentNoFillMs,
      segmentFill: seg.timingsMs.segmentFillMs,
      segmentShared: seg.timingsMs.sharedMs,
      internal: s.internalMs,
      gk: s.gkMs,
      meshLung: meshLung.timingsMs.marchingCubes,
      meshInternal: meshInternal.timingsMs.marchingCubes,
      meshArea: meshLung.timingsMs.area + meshInternal.timingsMs.area,
      split: s.splitMs,
      total: totalMs,
    },
  };
}
