/** What crosses the boundary to the crop worker (types only). */
import type { SegmentationComparison } from '../core/analysis/compareSegmentations';
import type { SegCode, SegSource } from '../core/io/dicomSeg';
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

/** lungview's structures as the page holds them: 0/1 masks on the whole grid (copies, transferred). */
export interface AnalysisMasksForSeg {
  /** The lungs measured (split here into right lung, left lung and airway). */
  measured: Uint8Array;
  internal: Uint8Array;
  gk: Uint8Array;
  /** How GK ran ("whole lung", "5 slices"), for its segment's description. */
  gkScope: string;
}

/** A DICOM SEG of the analysis of the series `source` describes. */
export interface SegFileRequest extends AnalysisMasksForSeg {
  source: SegSource;
}

/** A segmentation file (SEG or NIfTI) to read onto the series `source` describes. */
export interface MaskImportRequest {
  bytes: Uint8Array;
  fileName: string;
  source: SegSource;
}

/** An imported segment without its voxels (those are in the planes). */
export interface ImportedSegmentInfo {
  name: string;
  code: SegCode | null;
  voxels: number;
}

/**
 * The segments read, their voxels packed as bits: segment k is bit (k % 8)
 * of planes[k >> 3] (one byte per voxel holds eight segments).
 */
export type MaskImportOutput =
  | { ok: true; format: string; note: string; segments: ImportedSegmentInfo[]; planes: Uint8Array[] }
  | { ok: false; reason: string };

/** lungview's structures against imported segments (copies of the planes, transferred). */
export interface CompareRequest {
  geometry: SegSource['geometry'];
  ours: AnalysisMasksForSeg;
  theirs: { segments: ImportedSegmentInfo[]; planes: Uint8Array[] };
}

export interface CropWorkerApi {
  cropSurface(req: CropSurfaceRequest): Promise<CropSurfaceResult>;
  /** An export file of a mesh, or of the surface of a mask (made here): the page only downloads the bytes. */
  meshFile(req: MeshFileRequest): Promise<Uint8Array>;
  /** A .nii.gz file of a mask (header and compression here). */
  niftiFile(req: NiftiFileRequest): Promise<Uint8Array>;
  /** A DICOM SEG of the analysis (core io/analysisSeg.ts, io/dicomSeg.ts). */
  segFile(req: SegFileRequest): Promise<Uint8Array>;
  /** A SEG or NIfTI label map read onto the series (core io/maskImport.ts), or why it was refused. */
  importMasks(req: MaskImportRequest): Promise<MaskImportOutput>;
  /** Dice, volume difference and surface distances per matched structure (core analysis/compareSegmentations.ts). */
  compare(req: CompareRequest): Promise<SegmentationComparison>;
}
