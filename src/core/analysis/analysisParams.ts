/**
 * Parameters of the analysis pipeline (runAnalysis.ts) with their defaults,
 * and the choice of the slices that Gustafson–Kessel clustering runs on.
 *
 * GK slices. The tutorial clusters the 5 slices around a "middle" slice. The
 * Python reference takes `middle = nz // 2` in ITS slice order, which is
 * InstanceNumber order: the most superior slice first in every reference
 * series, i.e. the reverse of this project's z order (z index increases
 * towards the head). So the default centre here is the slice floor(nz / 2)
 * counted from the most superior slice: z = nz - 1 - floor(nz / 2) when z
 * increases towards the head, and floor(nz / 2) when z = 0 is already the
 * most superior slice. For odd nz both are the same slice; for even nz the
 * reference's middle is the upper of the two central slices. Then, as in the
 * reference, the centre is clamped so that the whole window
 * centre - halfSlices .. centre + halfSlices lies inside the volume; the same
 * physical slices as the reference's `summary.gk.slices` come out (listed
 * here in ascending z, the reference lists them superior first).
 *
 * Cost: O(1) except sliceNearestZ, O(nz).
 */
import { GK_DEFAULT_PARAMS, type GkParams } from '../clustering/gustafsonKessel';
import type { DensitometryParams } from './densitometry';
import type { InclusiveLungParams } from '../segmentation/inclusiveLungs';
import { voxelToPatientMm, type VolumeGeometry } from '../volume/volume';
import { DEFAULT_LUNG_THRESHOLD_HU, superiorSliceIndex, type LungBackground } from '../segmentation/segmentLungs';

/** 'slices': the tutorial's per-slice clustering around a centre slice; 'volume': one clustering of all lung voxels. */
export type GkScope = 'slices' | 'volume';

/** GK's own parameters (gustafsonKessel.ts GkParams) and the slices it runs on. */
export interface GkStageParams extends GkParams {
  scope: GkScope;
  /** z index (volume order) of the centre slice ('slices'), or null for the reference's middle slice. */
  centreSlice: number | null;
  /** Slices on each side of the centre ('slices'). Default 2 (5 slices). */
  halfSlices: number;
}

/** How a surface is made (mesh/surface.ts); the tutorial's pipeline uses marching cubes alone. */
export interface SurfaceStageParams {
  /** Marching-cubes step (every step-th voxel along each axis). Default 1. */
  stepSize: number;
  /** Taubin smoothing iterations (0: none). Default 0. */
  smoothIterations: number;
  /** Above this many triangles the drawn surface is decimated; null: never (the pipeline's default). */
  maxDisplayTriangles: number | null;
}

export interface AnalysisParams {
  /** Body is HU >= threshold, air below it. Default -700. */
  thresholdHu: number;
  /** Which air counts as outside the patient (see segmentLungs.ts). Default 'border'. */
  background: LungBackground;
  gk: GkStageParams;
  mesh: SurfaceStageParams;
  /** Also split the filled lung mask into airway, right and left lung. Default true. */
  split: boolean;
  /** Densitometry of the split lungs (needs the split), with its parameters; null: not run. Default: on, Lung CT Analyzer's classes. */
  densitometry: DensitometryParams | null;
  /**
   * The lung mask the measurements (split, densitometry) and the lung surface
   * use: 'inclusive' (default: the aerated lung and the dense lung against
   * the chest wall, inclusiveLungs.ts), 'fill' (the tutorial's mask with
   * enclosed structures filled), 'nofill' (the tutorial's aerated lung only).
   */
  lungMask: LungMaskChoice;
  /** Parameters of the inclusive mask (effusion left out by default). */
  inclusive: InclusiveLungParams;
}

export type LungMaskChoice = 'inclusive' | 'fill' | 'nofill';
export const LUNG_MASK_CHOICES: readonly LungMaskChoice[] = ['inclusive', 'fill', 'nofill'];

/** The names the report and the NIfTI files give each mask. */
export const LUNG_MASK_NAMES: Record<LungMaskChoice, string> = { inclusive: 'lungs-inclusive', fill: 'lung-fill', nofill: 'lung-nofill' };

/** Partial parameters as a caller gives them; missing fields take the defaults. */
export interface AnalysisParamsInput {
  thresholdHu?: number;
  background?: LungBackground;
  gk?: Partial<GkStageParams>;
  mesh?: Partial<SurfaceStageParams>;
  split?: boolean;
  densitometry?: DensitometryParams | null;
  lungMask?: LungMaskChoice;
  inclusive?: InclusiveLungParams;
}

export const DEFAULT_GK_PARAMS: Readonly<GkStageParams> = Object.freeze({
  ...GK_DEFAULT_PARAMS,
  scope: 'slices' as GkScope,
  centreSlice: null,
  halfSlices: 2,
});

/** The tutorial's surfaces: marching cubes alone, full resolution. */
export const DEFAULT_SURFACE_PARAMS: Readonly<SurfaceStageParams> = Object.freeze({ stepSize: 1, smoothIterations: 0, maxDisplayTriangles: null });

export const DEFAULT_ANALYSIS_PARAMS: Readonly<AnalysisParams> = Object.freeze({
  thresholdHu: DEFAULT_LUNG_THRESHOLD_HU,
  background: 'border' as LungBackground,
  gk: DEFAULT_GK_PARAMS,
  mesh: DEFAULT_SURFACE_PARAMS,
  split: true,
  densitometry: Object.freeze({}),
  lungMask: 'inclusive' as LungMaskChoice,
  inclusive: Object.freeze({ effusion: 'exclude' as const }),
});

/** Defaults filled in and values checked; throws RangeError on an invalid value. */
export function resolveAnalysisParams(input: AnalysisParamsInput = {}): AnalysisParams {
  const p: AnalysisParams = {
    thresholdHu: input.thresholdHu ?? DEFAULT_ANALYSIS_PARAMS.thresholdHu,
    background: input.background ?? DEFAULT_ANALYSIS_PARAMS.background,
    gk: { ...DEFAULT_GK_PARAMS, ...input.gk },
    mesh: { ...DEFAULT_ANALYSIS_PARAMS.mesh, ...input.mesh },
    split: input.split ?? DEFAULT_ANALYSIS_PARAMS.split,
    densitometry: null,
    lungMask: input.lungMask ?? DEFAULT_ANALYSIS_PARAMS.lungMask,
    inclusive: { ...DEFAULT_ANALYSIS_PARAMS.inclusive, ...input.inclusive },
  };
  p.densitometry = input.densitometry === null ? null : { ...DEFAULT_ANALYSIS_PARAMS.densitometry, ...input.densitometry, lungMask: LUNG_MASK_NAMES[p.lungMask] };
  if (!LUNG_MASK_CHOICES.includes(p.lungMask)) throw new RangeError(`lungMask must be one of ${LUNG_MASK_CHOICES.join(', ')}, got ${String(p.lungMask)}`);
  if (!Number.isFinite(p.thresholdHu)) throw new RangeError(`thresholdHu must be a finite number, got ${p.thresholdHu}`);
  if (p.background !== 'border' && p.background !== 'corner') throw new RangeError(`background must be 'border' or 'corner'`);
  const g = p.gk;
  if (!Number.isInteger(g.clusters) || g.clusters < 2) throw new RangeError(`gk.clusters must be an integer >= 2, got ${g.clusters}`);
  if (!(g.m > 1)) throw new RangeError(`gk.m must be > 1, got ${g.m}`);
  if (!Number.isInteger(g.maxIter) || g.maxIter < 1) throw new RangeError(`gk.maxIter must be an integer >= 1, got ${g.maxIter}`);
  if (!(g.error >= 0)) throw new RangeError(`gk.error must be >= 0, got ${g.error}`);
  if (!Number.isInteger(g.seed) || g.seed < 0) throw new RangeError(`gk.seed must be an integer >= 0, got ${g.seed}`);
  if (!Number.isInteger(g.halfSlices) || g.halfSlices < 0) throw new RangeError(`gk.halfSlices must be an integer >= 0, got ${g.halfSlices}`);
  if (g.centreSlice !== null && !Number.isInteger(g.centreSlice)) throw new RangeError(`gk.centreSlice must be an integer or null, got ${g.centreSlice}`);
  if (g.scope !== 'slices' && g.scope !== 'volume') throw new RangeError(`gk.scope must be 'slices' or 'volume'`);
  if (!Number.isInteger(p.mesh.stepSize) || p.mesh.stepSize < 1) throw new RangeError(`mesh.stepSize must be an integer >= 1, got ${p.mesh.stepSize}`);
  if (!Number.isInteger(p.mesh.smoothIterations) || p.mesh.smoothIterations < 0) throw new RangeError(`mesh.smoothIterations must be an integer >= 0, got ${p.mesh.smoothIterations}`);
  const budget = p.mesh.maxDisplayTriangles;
  if (budget !== null && !(Number.isInteger(budget) && budget > 0)) throw new RangeError(`mesh.maxDisplayTriangles must be a positive integer or null, got ${budget}`);
  return p;
}

/** The reference's middle slice in volume z order: floor(nz / 2) counted from the most superior slice. */
export function defaultCentreSlice(g: Pick<VolumeGeometry, 'nz' | 'directionXyz'>): number {
  const k = Math.floor(g.nz / 2);
  return superiorSliceIndex(g as VolumeGeometry) === 0 ? k : g.nz - 1 - k;
}

/**
 * z indices (ascending) of the GK slices: centre ± halfSlices, the centre
 * clamped so that the window fits (when the volume has fewer slices than the
 * window, all of them).
 */
export function gkSliceRange(g: Pick<VolumeGeometry, 'nz' | 'directionXyz'>, centreSlice: number | null, halfSlices: number): number[] {
  const { nz } = g;
  if (nz <= 0) return [];
  let c = centreSlice ?? defaultCentreSlice(g);
  c = Math.min(Math.max(c, halfSlices), nz - 1 - halfSlices);
  const lo = Math.max(0, c - halfSlices);
  const hi = Math.min(nz - 1, c + halfSlices);
  const out: number[] = [];
  for (let z = lo; z <= hi; z++) out.push(z);
  return out;
}

/** Patient z (LPS, mm) of the centre of slice z. */
export function sliceZMm(g: VolumeGeometry, z: number): number {
  return voxelToPatientMm(g, (g.nx - 1) / 2, (g.ny - 1) / 2, z)[2];
}

/** The slice whose centre is nearest to patient z = zMm (ties: the lower index). */
export function sliceNearestZ(g: VolumeGeometry, zMm: number): number {
  let best = 0;
  let bestD = Infinity;
  for (let z = 0; z < g.nz; z++) {
    const d = Math.abs(sliceZMm(g, z) - zMm);
    if (d < bestD) {
      bestD = d;
      best = z;
    }
  }
  return best;
}
