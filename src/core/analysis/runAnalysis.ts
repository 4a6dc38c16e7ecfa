/**
 * The analysis in one thread: the stages of stages.ts one after the other
 * (segment → internal → GK → lung surface → internal surface → split →
 * densitometry), the
 * schedule the tests and the benchmark use. The CLI runs the same stages on
 * two threads (cli/analysisThread.ts) and the browser in a worker in a
 * memory-first order (state/analysis.ts); all three assemble their outputs
 * with assembleAnalysisResult or read the stages' results directly.
 *
 * The surfaces are the tutorial's: marching cubes alone at level 0.5
 * (mesh/surface.ts with no smoothing, no display budget, no colours), as
 * views of the used part of their buffers.
 *
 * Progress is the overall fraction with the name of the running stage;
 * `signal.aborted` ends the run with an error named 'AbortError'. Timings
 * are wall-clock ms per stage.
 *
 * Memory: the HU volume (not copied), both lung masks (1 B/voxel each,
 * painted from the runs for callers that write or compare them), the runs,
 * the meshes; the split makes no labels unless asked.
 */
import { internalMeshSource, type InternalStructures } from './internalMask';
import { resolveAnalysisParams, type AnalysisParams, type AnalysisParamsInput } from './analysisParams';
import {
  checkAbort,
  densitometryStage,
  gkStage,
  inclusiveStage,
  measuredLungRuns,
  internalStage,
  nowMs,
  segmentStage,
  splitStage,
  type GkStageResult,
  type InclusiveStageResult,
  type InternalStageResult,
  type SegmentStageResult,
  type StageOptions,
} from './stages';
import type { Mesh } from '../mesh/mesh';
import { fullMesh, type MeshSource, type Surface } from '../mesh/surface';
import { surfaceStage } from './surfaceStage';
import type { LungRuns } from '../segmentation/segmentLungs';
import { maskOfRuns, type RunSet } from '../segmentation/runs';
import type { AirwaySplitResult } from '../segmentation/splitAirwayAndLungs';
import type { DensitometryResult } from './densitometry';
import type { LungFieldMeasure } from './trust';
import { voxelVolumeMm3, type Mask, type Volume, type VolumeGeometry } from '../volume/volume';

export type AnalysisStage = 'segment' | 'internal' | 'gk' | 'inclusive' | 'meshLung' | 'meshInternal' | 'split' | 'densitometry';

export const ANALYSIS_STAGES: readonly AnalysisStage[] = ['segment', 'internal', 'gk', 'inclusive', 'meshLung', 'meshInternal', 'split', 'densitometry'];

export interface PipelineOptions {
  /** Overall fraction done in [0, 1] and the stage it belongs to. */
  onProgress?: (fraction: number, stage: AnalysisStage) => void;
  signal?: StageOptions['signal'];
  /** Also label the split's voxels (on the volume's grid). Default false: its numbers only. */
  splitLabels?: boolean;
}

export interface AnalysisTimingsMs {
  segmentNoFill: number;
  segmentFill: number;
  /** Part of the two segmentations that they share (already split into them). */
  segmentShared: number;
  internal: number;
  gk: number;
  inclusive: number;
  /** Marching cubes of the measured lung mask (vertices, triangles, normals). */
  meshLung: number;
  meshInternal: number;
  /** Surface areas and volumes of both meshes. */
  meshArea: number;
  split: number;
  densitometry: number;
  /** Wall time of the analysis. */
  total: number;
}

export interface AnalysisResult {
  params: AnalysisParams;
  /** Both lung masks on the volume's grid (painted from the runs). */
  fill: Mask;
  noFill: Mask;
  runs: LungRuns;
  /** Kept as runs (internalMask.ts internalStructuresMask paints the mask when one is needed). */
  internal: InternalStructures;
  /** The mask the split, densitometry and lung surface use (params.lungMask), as runs. */
  measured: RunSet;
  /** The inclusive lung mask and its field-of-view check, when params.lungMask is 'inclusive'. */
  inclusive: InclusiveStageResult | null;
  voxels: { lungFill: number; lungNoFill: number; internal: number };
  /** mL of the tutorial's masks (fill, noFill, internal) and of the measured mask (airway included). */
  lungMl: { fill: number; noFill: number; internal: number; measured: number };
  gk: GkStageResult;
  /** The surfaces, each with its full mesh at hand as `mesh`. */
  meshes: { lung: PipelineSurface; internal: PipelineSurface };
  /** null when params.split is false. */
  split: AirwaySplitResult | null;
  /** null when not asked for, or when the split failed (the measures need both lungs apart). */
  densitometry: DensitometryResult | null;
  /** The trust check's lung-field measures (stages.ts lungFieldStage) when the host made them during the analysis. */
  lungField?: LungFieldMeasure;
  timingsMs: AnalysisTimingsMs;
}

/** A surface of the pipeline: it keeps its full mesh. */
export type PipelineSurface = Surface & { mesh: Mesh };

/**
 * An analysis made without its two surfaces (a host that writes no mesh,
 * like `batch` without --meshes): every other result as AnalysisResult,
 * meshes null and the surface timings 0.
 */
export type AnalysisResultWithoutMeshes = Omit<AnalysisResult, 'meshes'> & { meshes: null };

/** An analysis with or without its surfaces. */
export type AnyAnalysisResult = AnalysisResult | AnalysisResultWithoutMeshes;

/** Share of the overall progress bar per stage (rough relative cost on chest CTs). */
const STAGE_WEIGHT: Record<AnalysisStage, number> = {
  segment: 0.2,
  internal: 0.03,
  gk: 0.12,
  meshLung: 0.25,
  meshInternal: 0.25,
  split: 0.15,
  densitometry: 0.05,
  inclusive: 0.1,
};

/** Per-stage options whose progress is mapped onto the overall bar of `stages`. */
export function overallProgress(stages: readonly AnalysisStage[], opts: PipelineOptions): (stage: AnalysisStage) => StageOptions {
  const total = stages.reduce((a, s) => a + STAGE_WEIGHT[s], 0);
  const startOf = new Map<AnalysisStage, number>();
  let acc = 0;
  for (const s of stages) {
    startOf.set(s, acc);
    acc += STAGE_WEIGHT[s];
  }
  const report = opts.onProgress;
  return (stage) => ({
    signal: opts.signal,
    // (start + f * weight) / total, so a stage's end is exactly the next one's start.
    onProgress: report ? (f) => report(Math.min(1, ((startOf.get(stage) ?? 0) + f * STAGE_WEIGHT[stage]) / total), stage) : undefined,
  });
}

/** The stages a run with these parameters goes through, in order. */
export function pipelineStages(params: AnalysisParams): AnalysisStage[] {
  return ANALYSIS_STAGES.filter(
    (s) => (s !== 'split' || params.split) && (s !== 'densitometry' || (params.split && params.densitometry !== null)) && (s !== 'inclusive' || params.lungMask === 'inclusive'),
  );
}

/**
 * What the lung surface is made from: a voxel mask when the host keeps voxel
 * masks (the segment stage painted them; the inclusive mask is painted here):
 * marching cubes sweeps voxels faster than runs on these dense masks, and
 * gives the same surface, array for array. Without voxel masks (the
 * browser's worker), the measured mask's runs.
 */
export function lungSurfaceSource(params: AnalysisParams, seg: SegmentStageResult, measured: RunSet, geometry: VolumeGeometry): MeshSource {
  if (seg.masks && params.lungMask === 'fill') return seg.masks.fill;
  if (seg.masks && params.lungMask === 'nofill') return seg.masks.noFill;
  // Painted once (1 B/voxel): the voxel sweep is faster than the run sweep on a dense lung mask.
  return seg.masks ? maskOfRuns(measured, geometry) : { runs: measured, geometry };
}

/** Runs `fn` and gives its result with the wall time it took. */
export function timed<T>(fn: () => T): [T, number] {
  const a = nowMs();
  const r = fn();
  return [r, nowMs() - a];
}

/** All stages in order on one volume. The volume is not modified. */
export function runAnalysis(volume: Volume, input: AnalysisParamsInput = {}, opts: PipelineOptions = {}): AnalysisResult {
  const params = resolveAnalysisParams(input);
  const t0 = nowMs();
  const stages = pipelineStages(params);
  const sub = overallProgress(stages, opts);
  const seg = segmentStage(volume, { ...params, withMasks: true }, sub('segment'));
  const [inner, internalMs] = timed(() => internalStage(volume, seg.runs, sub('internal')));
  const [gk, gkMs] = timed(() => gkStage(volume, seg.runs.fill, params.gk, sub('gk')));
  const inclusive = params.lungMask === 'inclusive' ? inclusiveStage(volume, seg.runs.fill, params.inclusive, sub('inclusive')) : null;
  const measured = measuredLungRuns(params.lungMask, seg.runs, inclusive);
  const meshLung = surfaceStage(lungSurfaceSource(params, seg, measured, volume), params.mesh, { ...sub('meshLung'), volume: false });
  const meshInternal = surfaceStage(internalMeshSource(inner.internal), params.mesh, { ...sub('meshInternal'), volume: false });
  const withLabels = opts.splitLabels || params.densitometry !== null;
  const [split, splitMs] = params.split ? timed(() => splitStage(volume, measured, { ...sub('split'), withLabels, withRuns: params.densitometry !== null })) : [null, 0];
  const [dens, densMs] = params.densitometry ? timed(() => densitometryStage(volume, split, params.densitometry!, sub('densitometry'))) : [null, 0];
  checkAbort(opts.signal);
  opts.onProgress?.(1, stages[stages.length - 1]);
  return assembleAnalysisResult(volume, params, { seg, inner, internalMs, gk, gkMs, inclusive, meshLung, meshInternal, split, splitMs, densitometry: dens, densitometryMs: densMs }, nowMs() - t0);
}

/** What the stages of one analysis returned, with the times of the stages that do not time themselves. */
export interface AnalysisStageOutputs {
  seg: SegmentStageResult;
  inner: InternalStageResult;
  internalMs: number;
  gk: GkStageResult;
  gkMs: number;
  inclusive: InclusiveStageResult | null;
  /** Both surfaces, or both null for a result without meshes. */
  meshLung: Surface | null;
  meshInternal: Surface | null;
  split: AirwaySplitResult | null;
  splitMs: number;
  densitometry: DensitometryResult | null;
  densitometryMs: number;
}

/**
 * The AnalysisResult of the stages' outputs (voxel counts to mL, timings);
 * totalMs is the wall time of the whole analysis. A segment stage run
 * without masks gets them painted here.
 */
export function assembleAnalysisResult(
  volume: VolumeGeometry, params: AnalysisParams, s: AnalysisStageOutputs & { meshLung: Surface; meshInternal: Surface }, totalMs: number,
): AnalysisResult;
export function assembleAnalysisResult(volume: VolumeGeometry, params: AnalysisParams, s: AnalysisStageOutputs, totalMs: number): AnyAnalysisResult;
export function assembleAnalysisResult(volume: VolumeGeometry, params: AnalysisParams, s: AnalysisStageOutputs, totalMs: number): AnyAnalysisResult {
  const { seg, inner, meshLung, meshInternal } = s;
  if (!seg.masks) throw new Error('the analysis result needs the segment stage run withMasks');
  const voxelMl = voxelVolumeMm3(volume) / 1000;
  const voxels = { lungFill: inner.voxels.fill, lungNoFill: inner.voxels.noFill, internal: inner.voxels.internal };
  const measured = measuredLungRuns(params.lungMask, seg.runs, s.inclusive);
  const measuredVoxels = params.lungMask === 'inclusive' ? s.inclusive!.voxels.inclusive : params.lungMask === 'fill' ? voxels.lungFill : voxels.lungNoFill;
  const base = {
    params,
    fill: seg.masks.fill,
    noFill: seg.masks.noFill,
    runs: seg.runs,
    internal: inner.internal,
    measured,
    inclusive: s.inclusive,
    voxels,
    lungMl: { fill: voxels.lungFill * voxelMl, noFill: voxels.lungNoFill * voxelMl, internal: voxels.internal * voxelMl, measured: measuredVoxels * voxelMl },
    gk: s.gk,
    split: s.split,
    densitometry: s.densitometry,
    timingsMs: {
      segmentNoFill: seg.timingsMs.segmentNoFillMs,
      segmentFill: seg.timingsMs.segmentFillMs,
      segmentShared: seg.timingsMs.sharedMs,
      internal: s.internalMs,
      gk: s.gkMs,
      inclusive: s.inclusive?.timingsMs.totalMs ?? 0,
      meshLung: meshLung?.timingsMs.marchingCubes ?? 0,
      meshInternal: meshInternal?.timingsMs.marchingCubes ?? 0,
      meshArea: (meshLung?.timingsMs.measures ?? 0) + (meshInternal?.timingsMs.measures ?? 0),
      split: s.splitMs,
      densitometry: s.densitometryMs,
      total: totalMs,
    },
  };
  if (!meshLung || !meshInternal) return { ...base, meshes: null };
  return { ...base, meshes: { lung: { ...meshLung, mesh: fullMesh(meshLung) }, internal: { ...meshInternal, mesh: fullMesh(meshInternal) } } };
}
