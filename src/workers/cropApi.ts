/** What crosses the boundary to the crop worker (types only). */
import type { CropParams } from '../core/mesh/cropMask';
import type { Mesh } from '../core/mesh/mesh';
import type { Mask, Vec3, Volume } from '../core/volume/volume';

/**
 * The source of a crop surface:
 * - 'hu': a HU window already cut with cropMask on the main thread (small);
 *   the surface encloses the voxels with HU >= thresholdHu.
 * - 'mask': a whole 0/1 mask (a copy, transferred) and the crop parameters;
 *   the worker runs cropMask on it.
 */
export type CropSurfaceRequest =
  | { kind: 'hu'; window: Volume; offsetXyz: Vec3; thresholdHu: number }
  | { kind: 'mask'; mask: Mask; params: CropParams };

export interface CropSurfaceResult {
  /** Surface in patient LPS mm (closed at the window borders). */
  mesh: Mesh;
  /** RGB per vertex by height (RdBu, low = red). */
  heightColors: Float32Array;
  areaMm2: number;
  volumeMl: number;
  /** Index in the source of the window's voxel (0, 0, 0), and the window size. */
  offsetXyz: Vec3;
  windowDims: Vec3;
  /** Voxels inside the surface. */
  insideVoxels: number;
  /** Time spent in the worker (ms). */
  computeMs: number;
}

/**
 * The full-resolution surface of a whole mask as the analysis made it:
 * marching cubes at `stepSize`, then `smoothIterations` of Taubin smoothing
 * (0: none). For exports of a surface that was decimated for display.
 */
export interface MaskSurfaceRequest {
  /** 0/1 per voxel on its own grid (transferred). */
  mask: Mask;
  stepSize: number;
  smoothIterations: number;
}

export interface CropWorkerApi {
  cropSurface(req: CropSurfaceRequest): Promise<CropSurfaceResult>;
  maskSurface(req: MaskSurfaceRequest): Promise<Mesh>;
}
