/**
 * Mesh and mask exports: STL, OBJ and GLB of the full-resolution mesh of a
 * kind, NIfTI .nii.gz of a mask, through the core writers; named after the
 * selected series. The page keeps only the drawn surfaces: when one was
 * decimated for display, its full-resolution surface is made again from
 * its mask in a worker (the same marching cubes and smoothing as the
 * analysis; a fraction of a second on a chest CT) and let go after the
 * download.
 */
import { writeGlb } from '../../core/io/glb';
import { gzip } from 'fflate';
import { writeNifti, type NiftiSource } from '../../core/io/nifti';
import { writeObj } from '../../core/io/obj';
import { writeStlBinary } from '../../core/io/stl';
import { heightColors } from '../../core/mesh/heightColors';
import type { Mesh } from '../../core/mesh/mesh';
import { geometryOf, voxelToPatientMm, type Mask, type VolumeGeometry } from '../../core/volume/volume';
import { maskCache, type CachedMask, type MaskKind } from '../../state/maskCache';
import { meshCache, type CachedMesh, type MeshKind, type MeshMeta } from '../../state/meshCache';
import { volumeCache } from '../../state/volumeCache';
import { exportSurfaceClient, type MaskSurfaceRequest } from '../../state/services';
import { appStore, selectedSeries } from '../../state/store';
import { downloadBytes } from './download';
import { exportFileName } from './fileNames';
import { maskPlanes } from '../../viewer2d/maskSlice';

export type MeshFormat = 'stl' | 'obj' | 'glb';
export const MESH_FORMATS: readonly MeshFormat[] = ['stl', 'obj', 'glb'];

const MIME: Record<MeshFormat, string> = {
  stl: 'model/stl',
  obj: 'model/obj',
  glb: 'model/gltf-binary',
};

/** What each mesh kind is called in file names and headers. */
export const MESH_LABELS: Record<MeshKind, string> = {
  lung: 'lung',
  internal: 'internal structures',
  gk: 'GK structures',
  crop: 'crop',
};

export interface MeshFileOptions {
  /** Name inside the file (OBJ object, GLB node, STL header). */
  name: string;
  /** GLB only: per-vertex RGB (e.g. height colours) or one colour (#rrggbb). */
  vertexColors?: Float32Array;
  color?: string;
}

/** sRGB #rrggbb to linear RGBA (glTF base colours are linear). */
export function cssToLinearRgba(css: string): [number, number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(css.trim());
  const n = m ? parseInt(m[1], 16) : 0xcccccc;
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return [lin((n >> 16) & 255), lin((n >> 8) & 255), lin(n & 255), 1];
}

/** The bytes of `mesh` in `format`. */
export function meshFileBytes(mesh: Mesh, format: MeshFormat, opts: MeshFileOptions): Uint8Array {
  switch (format) {
    case 'stl':
      return writeStlBinary(mesh, { header: `lungview ${opts.name}, binary STL, mm, patient LPS` });
    case 'obj':
      return writeObj(mesh, { name: opts.name.replace(/\s+/g, '_') });
    case 'glb':
      return writeGlb(mesh, {
        name: opts.name,
        colors: opts.vertexColors,
        baseColor: opts.vertexColors ? undefined : cssToLinearRgba(opts.color ?? '#cccccc'),
      });
  }
}

/** Makes the full-resolution surface of a whole mask (the export worker; a stand-in in tests). */
export interface MaskSurfaceService {
  maskSurface(req: MaskSurfaceRequest): Promise<Mesh>;
}

/** The analysis mask each analysis surface was made from. */
const SURFACE_MASK: Partial<Record<MeshKind, MaskKind>> = { lung: 'fill', internal: 'internal', gk: 'gk' };

/**
 * The mesh to export: the drawn one when it is the full surface, else the
 * full surface made again from the mask it came from, with the same
 * marching-cubes step and smoothing. Throws, with what to do, when that
 * mask is gone.
 */
async function exportableMesh(meta: MeshMeta, cached: CachedMesh, surfaces: MaskSurfaceService = exportSurfaceClient): Promise<Mesh> {
  if (!meta.decimated) return cached.mesh;
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
  return surfaces.maskSurface({ mask: maskOnGrid(volume, mask, true), ...meta.surface });
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
export async function exportMesh(kind: MeshKind, format: MeshFormat, surfaces?: MaskSurfaceService): Promise<boolean> {
  const state = appStore.getState();
  const meta = state.meshes[kind];
  const cached = meta && meta.seriesId === state.selectedSeriesId ? meshCache.get(meta.id) : undefined;
  if (!meta || !cached) return false;
  const mesh = await exportableMesh(meta, cached, surfaces);
  let vertexColors: Float32Array | undefined;
  if (format === 'glb' && state.view3d.colorMode === 'height') {
    vertexColors = mesh === cached.mesh && cached.heightColors ? cached.heightColors : heightColors(mesh, 'z');
  }
  const bytes = meshFileBytes(mesh, format, { name: MESH_LABELS[kind], vertexColors, color: state.view3d.colors[kind] });
  downloadBytes(bytes, meshFileName(kind, format), MIME[format]);
  return true;
}

/** What each analysis mask is called in file names. */
export const MASK_LABELS: Record<MaskKind, string> = {
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

/** gzip in fflate's own worker, so a large mask does not hold up the page (same bytes as writeNiftiGz). */
function gzipAsync(bytes: Uint8Array, level: 1 | 6): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gzip(bytes, { level, mtime: 0 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * Downloads a mask (or any grid with `data`, or a HU volume) as NIfTI-1
 * .nii.gz named `<series>-<name>.nii.gz`, e.g. exportMaskNifti(fill,
 * 'lung mask') -> "LUNG_3.0_B70f-lung-mask.nii.gz". The header is written
 * here, the compression runs in a worker.
 */
export async function exportMaskNifti(maskLike: NiftiSource, name: string): Promise<void> {
  const s = selectedSeries(appStore.getState());
  const raw = writeNifti(maskLike, { description: `lungview ${name}`.slice(0, 79) });
  const bytes = await gzipAsync(raw, 6);
  downloadBytes(bytes, exportFileName(s?.description || null, name, 'nii.gz'), 'application/gzip');
}
