/**
 * What the store knows about the analysis: its parameters, the status of
 * each stage, the results' numbers (the masks themselves are in maskCache,
 * the meshes in meshCache), and how the overlays are drawn.
 */
import type { LungBackground } from '../core/segmentation/segmentLungs';
import { DEFAULT_ANALYSIS_PARAMS, DEFAULT_GK_PARAMS, type GkScope, type GkStageParams, type LungMaskChoice, type SurfaceStageParams } from '../core/analysis/analysisParams';
import type { GkSliceInfo } from '../core/analysis/stages';
import type { DensitometryResult } from '../core/analysis/densitometry';
import type { HuHistogram } from '../workers/analysisApi';
import type { MaskKind } from './maskCache';

/** The stages in the order they run; each has its own progress bar. */
export type AnalysisStageId = 'segment' | 'internal' | 'gk' | 'measure' | 'meshLung' | 'stats' | 'meshInternal' | 'meshGk' | 'densitometry';
/**
 * The stages that need the HU values come first (the worker's copy of them
 * goes after GK); the lung surface, what people wait for in 3D, comes next.
 */
export const ANALYSIS_STAGE_IDS: readonly AnalysisStageId[] = ['segment', 'internal', 'gk', 'measure', 'meshLung', 'stats', 'meshInternal', 'meshGk', 'densitometry'];

export const STAGE_LABELS: Record<AnalysisStageId, string> = {
  segment: 'Lung masks',
  meshLung: 'Surface: lungs',
  internal: 'Internal structures, lung HU',
  gk: 'GK clustering',
  measure: 'Lungs incl. dense disease',
  stats: 'Left / right / airway',
  meshInternal: 'Surface: internal',
  meshGk: 'Surface: GK',
  densitometry: 'Densitometry',
};

export type StageState = 'pending' | 'running' | 'done' | 'error' | 'cancelled';

export interface StageStatus {
  state: StageState;
  /** Fraction done in [0, 1]. */
  fraction: number;
  /** What the stage is doing right now (free text from the worker). */
  step: string;
  /** Wall time of the finished stage (ms), else null. */
  ms: number | null;
}

export type AnalysisPhase = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

export interface AnalysisStatus {
  phase: AnalysisPhase;
  /** Series being (or last) analysed. */
  seriesId: string | null;
  /** Increases with every run; ids of masks and meshes carry it. */
  runId: number;
  stages: Record<AnalysisStageId, StageStatus>;
  error: string | null;
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

/**
 * GK's parameters as the panel edits them; scope 'slices': 2 * halfSlices + 1
 * slices centred on the slice on screen when the run starts. The page
 * clusters the whole lung by default (a few hundred ms on the real series,
 * public/docs/performance.md; no stripe of 5 slices across the other views);
 * the tutorial's 5 slices stay a choice (and the core's default, for the
 * seed-parity tests and the CLI's --gk-z).
 */
export type GkUiParams = Omit<GkStageParams, 'centreSlice'>;

/** The surface parameters with a display budget: drawn meshes above it are decimated (exports make the full mesh again from the mask). */
export type MeshUiParams = SurfaceStageParams & { maxDisplayTriangles: number };

export interface AnalysisUiParams {
  thresholdHu: number;
  background: LungBackground;
  /** The mask the volumes per lung, densitometry and the 3D lungs use. */
  lungMask: LungMaskChoice;
  /** Pleural effusion in the inclusive mask: left out (default) or counted. */
  effusion: 'exclude' | 'include';
  gk: GkUiParams;
  mesh: MeshUiParams;
}

function gkUiDefaults(): GkUiParams {
  const { centreSlice: _centre, ...rest } = DEFAULT_GK_PARAMS;
  return { ...rest, scope: 'volume' };
}

export const DEFAULT_ANALYSIS_UI_PARAMS: AnalysisUiParams = {
  thresholdHu: DEFAULT_ANALYSIS_PARAMS.thresholdHu,
  background: DEFAULT_ANALYSIS_PARAMS.background,
  lungMask: DEFAULT_ANALYSIS_PARAMS.lungMask,
  effusion: 'exclude',
  gk: gkUiDefaults(),
  mesh: { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 300_000 },
};

/** Problems with parameters, by field; empty when they can run. */
export function analysisParamProblems(p: AnalysisUiParams): string[] {
  const out: string[] = [];
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!Number.isFinite(p.thresholdHu) || p.thresholdHu < -1024 || p.thresholdHu > 3000) out.push('Threshold must be a number of HU between -1024 and 3000.');
  if (!int(p.gk.clusters, 2, 20)) out.push('GK clusters must be a whole number from 2 to 20.');
  if (!(p.gk.m > 1 && p.gk.m <= 10)) out.push('GK fuzziness m must be above 1 (and at most 10).');
  if (!int(p.gk.maxIter, 1, 10_000)) out.push('GK iterations must be a whole number from 1 to 10000.');
  if (!(p.gk.error >= 0)) out.push('GK stopping error must be 0 or more.');
  if (!int(p.gk.seed, 0, 2 ** 32 - 1)) out.push('GK seed must be a whole number of 0 or more.');
  if (!int(p.gk.halfSlices, 0, 50)) out.push('GK slices on each side must be a whole number from 0 to 50.');
  if (!int(p.mesh.stepSize, 1, 8)) out.push('Mesh step must be a whole number from 1 to 8.');
  if (!int(p.mesh.smoothIterations, 0, 200)) out.push('Smoothing iterations must be a whole number from 0 to 200.');
  if (!int(p.mesh.maxDisplayTriangles, 1000, 20_000_000)) out.push('Display triangles must be a whole number from 1000 up.');
  return out;
}

export type SplitSummary =
  | { ok: true; airwayMl: number; rightLungMl: number; leftLungMl: number; erosionMm: number; notes: string[] }
  | { ok: false; reason: string; airwayMl: number };

export interface GkSummary {
  scope: GkScope;
  /** Volume slices the GK mask covers: zFrom .. zFrom + planes - 1. */
  zFrom: number;
  planes: number;
  perSlice: GkSliceInfo[];
  keptVoxels: number;
  ml: number;
}

/** The numbers of one analysis, filled in stage by stage. */
export interface AnalysisResults {
  seriesId: string;
  runId: number;
  /** Ids in maskCache. */
  maskIds: Partial<Record<MaskKind, string>>;
  voxels: { fill?: number; noFill?: number; internal?: number };
  ml: { fill?: number; noFill?: number; internal?: number };
  histogram?: HuHistogram;
  /** Whether the numbers can be trusted, and why not (core trustStage). */
  trust?: { geometryTrusted: boolean; reasons: string[] };
  gk?: GkSummary;
  split?: SplitSummary;
  /** The mask measured (volumes per lung, densitometry, the 3D lungs): its mL (airway included) and, when inclusive, what was added and where it is unsure. */
  measured?: { lungMask: LungMaskChoice; ml: number; addedMl: number | null; notes: string[] };
  /** Densitometry per lung and region (null with `densitometryNote` saying why there is none). */
  densitometry?: DensitometryResult | null;
  densitometryNote?: string;
  timingsMs: Partial<Record<AnalysisStageId, number>>;
}

export function idleStages(): Record<AnalysisStageId, StageStatus> {
  return Object.fromEntries(ANALYSIS_STAGE_IDS.map((s) => [s, { state: 'pending', fraction: 0, step: '', ms: null }])) as Record<
    AnalysisStageId,
    StageStatus
  >;
}

export const IDLE_ANALYSIS: AnalysisStatus = {
  phase: 'idle',
  seriesId: null,
  runId: 0,
  stages: idleStages(),
  error: null,
  startedAtMs: null,
  finishedAtMs: null,
};

// ---------------------------------------------------------------------------
// overlays
// ---------------------------------------------------------------------------

/**
 * 'density' tints the filled lungs by HU class (its colours are the classes', not `color`);
 * 'lungSides' the right lung, left lung and airway of the lungs measured, each in its own colour (core mesh/lungLabelColors.ts).
 */
export type OverlayKind = 'lungMeasured' | 'lungSides' | 'lungFill' | 'lungNoFill' | 'internal' | 'gk' | 'density' | 'crop';
export const OVERLAY_KINDS: readonly OverlayKind[] = ['lungMeasured', 'lungSides', 'lungFill', 'lungNoFill', 'internal', 'gk', 'density', 'crop'];

export interface OverlaySetting {
  visible: boolean;
  /** CSS colour #rrggbb. */
  color: string;
  /** 0..1 */
  opacity: number;
}

export const OVERLAY_LABELS: Record<OverlayKind, string> = {
  lungMeasured: 'Lungs measured',
  lungSides: 'Right / left / airway',
  lungFill: 'Lungs with vessels',
  lungNoFill: 'Aerated lung only',
  internal: 'Vessels and airway walls',
  gk: 'GK structures',
  density: 'Density classes',
  crop: 'Crop box',
};

/** The overlays that draw a mask (all but the crop box). */
export const MASK_OVERLAY_KINDS: readonly Exclude<OverlayKind, 'crop'>[] = ['lungMeasured', 'lungSides', 'lungFill', 'lungNoFill', 'internal', 'gk', 'density'];

/** The mask each overlay draws (the crop box draws a rectangle instead; 'lungSides' draws the right, left and airway masks, named by the first). */
export const OVERLAY_MASK: Record<Exclude<OverlayKind, 'crop'>, MaskKind> = {
  lungMeasured: 'measured',
  lungSides: 'right',
  lungFill: 'fill',
  lungNoFill: 'noFill',
  internal: 'internal',
  gk: 'gk',
  density: 'fill',
};

export const DEFAULT_OVERLAYS: Record<OverlayKind, OverlaySetting> = {
  // The lungs the numbers are of (dense disease included by default): an outline-like light tint, off by default.
  lungMeasured: { visible: false, color: '#c77dff', opacity: 0.35 },
  // Right lung, left lung and airway in their own colours (LUNG_SIDE_STYLE; `color` unused), off by default.
  lungSides: { visible: false, color: '#ff8c1a', opacity: 0.45 },
  lungFill: { visible: true, color: '#2f8fff', opacity: 0.3 },
  lungNoFill: { visible: false, color: '#39d98a', opacity: 0.35 },
  internal: { visible: true, color: '#ff3b3b', opacity: 0.55 },
  gk: { visible: true, color: '#ffd21f', opacity: 0.75 },
  density: { visible: false, color: '#1a2fd6', opacity: 0.6 },
  crop: { visible: true, color: '#ffffff', opacity: 0.9 },
};

export interface CropSettings {
  /** Half-width of the crop window in mm. */
  radiusMm: number;
  /** Slices kept on each side of the centre slice. */
  halfSlices: number;
}

export const DEFAULT_CROP: CropSettings = { radiusMm: 15, halfSlices: 5 };
