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
import type { HuHistogram } from '../core/segmentation/huHistogram';
import type { LungBackground } from '../core/segmentation/segmentLungs';
import type { Mesh } from '../core/mesh/mesh';
import type { RunSet } from '../core/segmentation/runs';
import type { Volume, VolumeGeometry } from '../core/volume/volume';

/** Stage progress: fraction done in [0, 1] and, optionally, what runs now. */
export type StageProgressCallback = (fraction: number, step?: string) => void;

export interface SegmentParams {
  thresholdHu: number;
  background: LungBackground;
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
  ms: number;
}

export type GkScope = 'slices' | 'volume';

export interface GkRunParams {
  clusters: number;
  m: number;
  maxIter: number;
  error: number;
  seed: number;
  /** 'slices': the tutorial's per-slice clustering around centreSlice; 'volume': one clustering of all lung voxels. */
  scope: GkScope;
  /** z index (volume order) of the centre slice ('slices' scope). */
  centreSlice: number;
  /** Slices on each side of the centre ('slices' scope). */
  halfSlices: number;
}

export interface GkSliceInfo {
  z: number;
  centersHu: number[];
  keptValue: number;
  keptPixels: number;
  iterations: number;
}

export interface GkOutput {
  scope: GkScope;
  /** Volume slice of the mask's first plane, and the number of planes. */
  zFrom: number;
  planes: number;
  /** Kept-cluster mask (0/1), planes zFrom .. zFrom + planes - 1 of the volume grid. */
  mask: Uint8Array;
  /** Per clustered slice ('slices'), or one entry with z = -1 for the whole volume. */
  perSlice: GkSliceInfo[];
  keptVoxels: number;
  ml: number;
  ms: number;
}

export type AnalysisMeshKind = 'lung' | 'internal' | 'gk';

export interface MeshRunParams {
  /** Marching-cubes step (voxels). */
  stepSize: number;
  /** Taubin smoothing iterations (0: none). */
  smoothIterations: number;
  /** Above this many triangles the drawn mesh is decimated (the full one is dropped; exports make it again from the mask). */
  maxDisplayTriangles: number;
}

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
      ms: number;
    }
  | { ok: false; reason: string; airwayMl: number; ms: number };

/** The masks a worker keeps for later stages, as runs (see AnalysisWorkerApi.exportMasks). */
export interface AnalysisMasksState {
  /** The volume's grid. */
  geometry: VolumeGeometry;
  fill?: RunSet;
  noFill?: RunSet;
  internal?: RunSet;
  /** The GK mask on its own grid (its slices only, in 'slices' scope). */
  gk?: { geometry: VolumeGeometry; runs: RunSet };
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
  /** Airway / right / left split of the filled mask (needs segment). */
  split(id: string, onProgress?: StageProgressCallback): SplitOutput;
}
