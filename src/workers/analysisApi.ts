/**
 * What crosses the boundary to the analysis worker (types only, shared by the
 * worker and its client so neither imports the other).
 *
 * The worker keeps one volume (sent once per series, by id) and the masks it
 * made from it, so later stages need no resend. Every mask, mesh and colour
 * buffer in a result is transferred to the caller, who owns it from then on:
 * the worker keeps its masks only as runs (a few bytes per row segment, see
 * core/segmentation/runs.ts), which later stages read directly (surfaces,
 * split) or paint for as long as they need a voxel mask. exportMasks and importMasks move the masks (runs)
 * to a fresh worker, so that a worker holding the HU values no later stage
 * needs, or a stage's garbage, can be stopped between stages without losing
 * them; loadVolume with keepResults gives the HU values back to a worker
 * that has the masks.
 */
import type { GkStageParams, LungMaskChoice, SurfaceStageParams } from '../core/analysis/analysisParams';
import type { InclusiveLungParams } from '../core/segmentation/inclusiveLungs';
import type { GkStageResult, TrustStageResult } from '../core/analysis/stages';
import type { DensitometryParams, DensitometryResult } from '../core/analysis/densitometry';
import type { Geometry3dTrust } from '../core/dicom/types';
import type { HuHistogram } from '../core/segmentation/huHistogram';
import type { LungBackground } from '../core/segmentation/segmentLungs';
import type { Mesh } from '../core/mesh/mesh';
import type { RunSet } from '../core/segmentation/runs';
import type { SplitLabelRuns } from '../core/segmentation/splitAirwayAndLungs';
import type { Volume, VolumeGeometry } from '../core/volume/volume';

/** Stage progress: fraction done in [0, 1] and, optionally, what runs now. */
export type StageProgressCallback = (fraction: number, step?: string) => void;

export interface SegmentParams {
  thresholdHu: number;
  background: LungBackground;
  /** The series' geometry verdict and rescale warning, judged with the lungs by the internal stage's trust check (absent: not known). */
  geometry3d?: Geometry3dTrust;
  rescaleWarning?: string;
}

export interface SegmentOutput {
  /**
   * Both lung masks in one label array, i = x + y*nx + z*nx*ny (see
   * internalMask.ts lungLabelsFromRuns): bit 0 = the lung mask without
   * filling, bit 1 = the filled one (the tutorial's
   * fill_lung_structures=True); the internal structures are the voxels
   * labelled 2 (state/maskCache.ts LUNG_LABEL_BITS).
   */
  labels: Uint8Array;
  voxels: { fill: number; noFill: number };
  ml: { fill: number; noFill: number };
  ms: number;
}

export type { HuHistogram };

/** The internal structures (filled − not filled lung mask) are in SegmentOutput.labels already: only numbers here. */
export interface InternalOutput {
  voxels: number;
  ml: number;
  /** Voxels in the unfilled mask but not in the filled one (not internal structures). */
  minusOneVoxels: number;
  /** Lung HU values (inside the filled mask). */
  histogram: HuHistogram;
  /** Whether the numbers can be trusted (series geometry, lungs against the field of view). */
  trust: TrustStageResult;
  ms: number;
}

/** GK's parameters as the core stage takes them (the centre slice is given by the caller, the slice on screen). */
export type GkRunParams = GkStageParams & { centreSlice: number };

/** The core stage's result and the time it took in the worker. */
export type GkOutput = GkStageResult & { ms: number };

export type AnalysisMeshKind = 'lung' | 'internal' | 'gk';

/** The surface parameters of the core stage, with a display budget (above it the drawn mesh is decimated and the full one dropped: exports make it again from the mask). */
export type MeshRunParams = SurfaceStageParams & { maxDisplayTriangles: number };

export interface MeshOutput {
  kind: AnalysisMeshKind;
  /**
   * The full-resolution surface (patient LPS mm) when it is small enough to
   * draw, else null: a surface decimated for display is not kept anywhere
   * (tens of MB on a chest CT); an export makes it again from the mask
   * (ui/export/meshExports.ts).
   */
  full: Mesh | null;
  /** The decimated surface to draw, or null when `full` is drawn. Exactly one of the two is set. */
  display: Mesh | null;
  /** RGB per vertex of the drawn mesh (display ?? full), coloured by height. */
  heightColors: Float32Array;
  triangles: number;
  vertices: number;
  displayTriangles: number;
  areaMm2: number;
  volumeMl: number;
  ms: number;
}

export type SplitOutput =
  | {
      ok: true;
      airwayMl: number;
      rightLungMl: number;
      leftLungMl: number;
      erosionMm: number;
      airwaySlices: [number, number] | null;
      notes: string[];
      /**
       * The labels as binary runs per label on the volume's grid (copies: the
       * worker keeps its own for densitometry), for the page's lung label
       * array (state/maskCache.ts LUNG_LABEL_BITS right / airway); a few MB,
       * never a voxel-sized array.
       */
      runs: SplitLabelRuns;
      ms: number;
    }
  | { ok: false; reason: string; airwayMl: number; ms: number };

export interface MeasureParams {
  lungMask: LungMaskChoice;
  inclusive: InclusiveLungParams;
}

/** The mask chosen for the measurements: its voxels and mL (airway included) and, for the inclusive mask, what was added and where it is unsure. */
export interface MeasureOutput {
  lungMask: LungMaskChoice;
  /** The measured mask's runs (a copy: the worker keeps its own), for the page's label array. */
  runs: RunSet;
  voxels: number;
  ml: number;
  inclusive: { voxels: { fill: number; added: number; inclusive: number; effusionExcluded: number }; notes: string[]; fieldOfView: { cut: boolean; reason: string | null } } | null;
  ms: number;
}

/** The densitometry stage's result, or why there is none (the split failed), and its time in the worker. */
export interface DensitometryOutput {
  result: DensitometryResult | null;
  reason: string | null;
  ms: number;
}

/** The masks a worker keeps for later stages, as runs (see AnalysisWorkerApi.exportMasks). */
export interface AnalysisMasksState {
  /** The volume's grid. */
  geometry: VolumeGeometry;
  fill?: RunSet;
  noFill?: RunSet;
  internal?: RunSet;
  /** The GK mask on its own grid (its slices only, in 'slices' scope). */
  gk?: { geometry: VolumeGeometry; runs: RunSet };
  /** The parameters the masks were segmented with. */
  segment?: SegmentParams;
  /** The mask chosen for the measurements (measure stage). */
  measured?: RunSet;
  /** The split of the measured mask as runs per label (split stage; null when it failed, with the reason). */
  sides?: SplitLabelRuns | null;
  splitReason?: string;
}

export interface AnalysisWorkerApi {
  /**
   * Keeps `volume` (its hu buffer is transferred in; the worker owns it) under
   * `id`, dropping any other volume and its masks. With `keepResults`, when
   * `id` is already held (masks imported, or the same volume sent again), its
   * masks are kept and only the HU values are put in.
   */
  loadVolume(id: string, volume: Volume, keepResults?: boolean): void;
  /** Drops the volume and masks kept under `id`. */
  release(id: string): void;
  /** Hands over the masks kept under `id` (their buffers are transferred) and drops the volume and masks. */
  exportMasks(id: string): AnalysisMasksState;
  /** Keeps masks exported by another worker under `id`, without HU values (loadVolume with keepResults adds them). */
  importMasks(id: string, masks: AnalysisMasksState): void;
  /** Both lung masks. */
  segment(id: string, params: SegmentParams, onProgress?: StageProgressCallback): SegmentOutput;
  /** Internal structures and the lung HU histogram (needs segment). */
  internal(id: string, onProgress?: StageProgressCallback): InternalOutput;
  /** Gustafson–Kessel structures (needs segment). */
  gk(id: string, params: GkRunParams, onProgress?: StageProgressCallback): GkOutput;
  /** Surface of one mask (lung needs segment, internal needs internal, gk needs gk). */
  mesh(id: string, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): MeshOutput;
  /** Airway / right / left split of the measured mask, its labels as runs per label (needs segment; kept for densitometry). */
  split(id: string, onProgress?: StageProgressCallback): SplitOutput;
  /** Chooses the mask the split, densitometry and lung surface use; makes the inclusive one (needs segment; the HU values for 'inclusive'). */
  measure(id: string, params: MeasureParams, onProgress?: StageProgressCallback): MeasureOutput;
  /** Densitometry per lung and region of the split lungs, read from the split's runs per label (needs segment and the HU values; splits first if split did not run). */
  densitometry(id: string, params: DensitometryParams, onProgress?: StageProgressCallback): DensitometryOutput;
}
