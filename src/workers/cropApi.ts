/** What crosses the boundary to the crop worker (types only). */
import type { MeshFileRequest } from '../core/io/meshFile';
import type { NiftiSource } from '../core/io/nifti';
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
/** A mask (or any grid with `data`) to write as gzipped NIfTI-1, with the text for the header's description. */
export interface NiftiFileRequest {
  image: NiftiSource;
  description: string;
}

export interface CropWorkerApi {
  cropSurface(req: CropSurfaceRequest): Promise<CropSurfaceResult>;
  /** An export file of a mesh, or of the surface of a mask (made here): the page only downloads the bytes. */
  meshFile(req: MeshFileRequest): Promise<Uint8Array>;
  /** A .nii.gz file of a mask (header and compression here). */
  niftiFile(req: NiftiFileRequest): Promise<Uint8Array>;
}
