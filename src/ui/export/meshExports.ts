/**
 * Mesh and mask exports: STL, OBJ and GLB of the full-resolution mesh of a
 * kind, NIfTI .nii.gz of a mask, named after the selected series. The files
 * are built in the export worker (core/io/meshFile.ts, core/io/nifti.ts);
 * the page only sends what to write and downloads the bytes. The page keeps
 * only the drawn surfaces: when one was decimated for display, the worker
 * makes its full-resolution surface again from its mask (the same surface
 * maker, step and smoothing as the analysis; a fraction of a second on a
 * chest CT).
 */
import { MESH_MIME, type MeshFileRequest, type MeshFormat } from '../../core/io/meshFile';
import type { NiftiSource } from '../../core/io/nifti';
import { geometryOf, voxelToPatientMm, type Mask, type VolumeGeometry } from '../../core/volume/volume';
import { maskCache, type CachedMask, type MaskKind } from '../../state/maskCache';
import { meshCache, type CachedMesh, type MeshKind, type MeshMeta } from '../../state/meshCache';
import { volumeCache } from '../../state/volumeCache';
import { exportFileClient, type NiftiFileRequest } from '../../state/services';
import { appStore, selectedSeries } from '../../state/store';
import { downloadBytes } from './download';
import { exportFileName } from './fileNames';
import { maskPlanes } from '../../viewer2d/maskSlice';

/** What each mesh kind is called in file names and headers. */
export const MESH_LABELS: Record<MeshKind, string> = {
  lung: 'lung',
  internal: 'internal structures',
  gk: 'GK structures',
  crop: 'crop',
};

/** Builds export files off the page's thread (the export worker; a stand-in in tests). */
export interface ExportFileService {
  meshFile(req: MeshFileRequest): Promise<Uint8Array>;
  niftiFile(req: NiftiFileRequest): Promise<Uint8Array>;
}

/** The analysis mask each analysis surface was made from. */
const SURFACE_MASK: Partial<Record<MeshKind, MaskKind>> = { lung: 'measured', internal: 'internal', gk: 'gk' };

/** A copy of a mesh's arrays (the page keeps drawing its own; the copy is moved to the worker). */
function meshCopy(m: CachedMesh['mesh']): CachedMesh['mesh'] {
  return { positionsMm: m.positionsMm.slice(), indices: m.indices.slice(), normals: m.normals.slice() };
}

/**
 * What the worker should write for a mesh: the drawn mesh when it is the
 * full surface (a copy), else the mask it came from, to be meshed again
 * with the same marching-cubes step and smoothing. Throws, with what to do,
 * when that mask is gone.
 */
export function meshFileSource(meta: MeshMeta, cached: CachedMesh): MeshFileRequest['source'] {
  if (!meta.decimated) return { mesh: meshCopy(cached.mesh) };
  const state = appStore.getState();
  const maskKind = SURFACE_MASK[meta.kind];
  const results = state.analysisResults;
  const maskId = maskKind && results?.seriesId === meta.seriesId ? results.maskIds[maskKind] : undefined;
  const mask = maskCache.get(maskId);
  const volume = volumeCache.get(meta.seriesId);
  if (!mask || !volume || !meta.surface) {
    throw new Error(`The full-resolution ${MESH_LABELS[meta.kind]} surface needs its mask, which is gone: run the analysis again.`);
  }
  // A 0/1 array of its own (the lung masks share one label array): transferred to the worker.
  return { mask: maskOnGrid(volume, mask, true), ...meta.surface };
}

/** File name of a mesh export for the selected series. */
function meshFileName(kind: MeshKind, format: MeshFormat): string {
  const s = selectedSeries(appStore.getState());
  return exportFileName(s?.description || null, `${MESH_LABELS[kind]} mesh`, format);
}

/**
 * Downloads the full-resolution mesh of `kind` of the selected series;
 * false when there is none. GLB files carry the colours of the 3D view
 * (height colours in height mode).
 */
export async function exportMesh(kind: MeshKind, format: MeshFormat, files: ExportFileService = exportFileClient): Promise<boolean> {
  const state = appStore.getState();
  const meta = state.meshes[kind];
  const cached = meta && meta.seriesId === state.selectedSeriesId ? meshCache.get(meta.id) : undefined;
  if (!meta || !cached) return false;
  const colour = state.view3d.colorMode === 'height' ? 'height' : state.view3d.colors[kind];
  const bytes = await files.meshFile({ source: meshFileSource(meta, cached), format, name: MESH_LABELS[kind], colour });
  downloadBytes(bytes, meshFileName(kind, format), MESH_MIME[format]);
  return true;
}

/** What each analysis mask is called in file names. */
export const MASK_LABELS: Record<MaskKind, string> = {
  measured: 'lungs measured',
  right: 'right lung',
  left: 'left lung',
  airway: 'airway',
  fill: 'lung mask filled',
  noFill: 'lung mask',
  internal: 'internal structures mask',
  gk: 'GK structures mask',
};

/**
 * A cached analysis mask on its series' grid, as a Mask with geometry; a
 * mask that covers only some slices (GK) keeps just those, its origin moved
 * to its first slice, so it still lands on the right place in a viewer.
 */
export function maskOnGrid(volume: VolumeGeometry, mask: Pick<CachedMask, 'nx' | 'ny' | 'nz' | 'zOffset' | 'data' | 'bits'>, owned = false): Mask {
  if (mask.nx !== volume.nx || mask.ny !== volume.ny) throw new RangeError('the mask is not on the grid of this volume');
  const g = geometryOf(volume);
  // 0/1 per voxel: a label mask (the lung masks share one array) is read out into its own array;
  // a plain 0/1 mask is the cached array itself unless `owned` asks for a copy.
  return { ...g, nz: mask.nz, originMm: voxelToPatientMm(volume, 0, 0, mask.zOffset), data: maskPlanes(mask, 0, mask.nz, owned) };
}

/**
 * Downloads a mask (or any grid with `data`, or a HU volume) as NIfTI-1
 * .nii.gz named `<series>-<name>.nii.gz`, e.g. exportMaskNifti(fill,
 * 'lung mask') -> "LUNG_3.0_B70f-lung-mask.nii.gz". Header and compression
 * are written in the export worker; `image.data` is moved there, so give a
 * copy of data the page still uses (maskOnGrid with `owned`).
 */
export async function exportMaskNifti(image: NiftiSource, name: string, files: ExportFileService = exportFileClient): Promise<void> {
  const s = selectedSeries(appStore.getState());
  const bytes = await files.niftiFile({ image, description: `lungview ${name}` });
  downloadBytes(bytes, exportFileName(s?.description || null, name, 'nii.gz'), 'application/gzip');
}
