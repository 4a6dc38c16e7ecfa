/**
 * The interactive 3D crop (the tutorial's crop_image over neighbouring
 * slices, meshed and shown rotatable): around the picked point, with the
 * store's crop radius and slice count, on an analysis mask (GK structures,
 * internal structures or filled lungs, from maskCache) or on the HU volume
 * above a threshold. The crop worker runs the core's cropMask and marching
 * cubes; the surface goes to meshCache and is announced with
 * setMesh('crop'). Event handlers and effects call this; no React here.
 */
import { cropMask, cropWindow, type CropParams } from '../../core/mesh/cropMask';
import { geometryOf, voxelToPatientMm, type Mask, type Vec3, type Volume } from '../../core/volume/volume';
import { maskCache, type CachedMask, type MaskKind } from '../../state/maskCache';
import { meshCache, type MeshMeta } from '../../state/meshCache';
import { appStore, type AppState } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { cropClient, type CropSurfaceRequest, type CropSurfaceResult } from '../../state/services';
import { inMask, maskPlanes } from '../../viewer2d/maskSlice';

/** What the crop is cut from: an analysis mask, the HU volume, or the first mask that covers the centre. */
export type CropSource = 'auto' | 'gk' | 'internal' | 'fill' | 'hu';
export const CROP_SOURCES: readonly CropSource[] = ['auto', 'gk', 'internal', 'fill', 'hu'];
export const CROP_SOURCE_LABELS: Record<CropSource, string> = {
  auto: 'Automatic',
  gk: 'GK structures',
  internal: 'Internal structures',
  fill: 'Lungs with vessels',
  hu: 'HU threshold',
};

export const DEFAULT_CROP_THRESHOLD_HU = -400;

export const CROP_LIMITS = {
  radiusMm: { min: 2, max: 120 },
  halfSlices: { min: 0, max: 40 },
  thresholdHu: { min: -1000, max: 3000 },
} as const;

export interface CropRequest {
  source: CropSource;
  /** For the HU source: the surface encloses HU >= this. */
  thresholdHu: number;
}

type ResolvedSource = { kind: 'mask'; mask: CachedMask } | { kind: 'hu' };

/** The analysis mask of `kind` for the selected series, if the analysis has made it. */
export function analysisMask(state: Pick<AppState, 'analysisResults' | 'selectedSeriesId'>, kind: MaskKind): CachedMask | undefined {
  const r = state.analysisResults;
  if (!r || r.seriesId !== state.selectedSeriesId) return undefined;
  const m = maskCache.get(r.maskIds[kind]);
  return m && m.seriesId === state.selectedSeriesId ? m : undefined;
}

/**
 * The source a request uses for the crop's slices zLo..zHi (inclusive):
 * 'auto' takes the GK mask when it covers them all (a GK run on a few
 * slices would cut the crop to that thin slab), else the internal-structures
 * mask, else the HU volume; a named mask that does not exist (yet) or does
 * not cover the centre slice falls back to the HU volume.
 */
export function resolveCropSource(
  state: Pick<AppState, 'analysisResults' | 'selectedSeriesId'>,
  source: CropSource,
  z: number,
  zLo = z,
  zHi = z,
): ResolvedSource & { used: CropSource } {
  const pick = (kind: 'gk' | 'internal' | 'fill') => {
    const m = analysisMask(state, kind);
    if (!m) return undefined;
    const [lo, hi] = source === 'auto' ? [zLo, zHi] : [z, z];
    return lo >= m.zOffset && hi < m.zOffset + m.nz ? m : undefined;
  };
  if (source === 'hu') return { kind: 'hu', used: 'hu' };
  const order: ('gk' | 'internal' | 'fill')[] = source === 'auto' ? ['gk', 'internal'] : [source];
  for (const k of order) {
    const m = pick(k);
    if (m) return { kind: 'mask', mask: m, used: k };
  }
  return { kind: 'hu', used: 'hu' };
}

/**
 * The planes of a cached mask that a crop around slice z needs, as a Mask
 * on the volume's geometry (a copy of those planes only, so it can be
 * transferred), and the centre's z inside it.
 */
export function maskPlanesForCrop(volume: Volume, mask: CachedMask, z: number, halfSlices: number): { mask: Mask; zInMask: number } {
  const lo = Math.max(mask.zOffset, z - halfSlices);
  const hi = Math.min(mask.zOffset + mask.nz, z + halfSlices + 1);
  if (hi <= lo) throw new RangeError('the mask does not cover the slices of the crop');
  // Planes of their own: the crop worker gets them transferred, the cache keeps its mask.
  const data = maskPlanes(mask, lo - mask.zOffset, hi - mask.zOffset, true);
  const g = geometryOf(volume);
  return {
    mask: { ...g, nz: hi - lo, originMm: voxelToPatientMm(volume, 0, 0, lo), data },
    zInMask: z - lo,
  };
}

export interface CropOutcome {
  meta: MeshMeta;
  result: Omit<CropSurfaceResult, 'mesh' | 'heightColors'>;
  centreVoxel: Vec3;
  /** The source actually used. */
  source: CropSource;
}

let cropCounter = 0;

/**
 * Crops around the picked point of the selected series and shows the
 * crop's surface. Rejects with CancelledError when a newer crop started,
 * and with an Error when there is no series or no picked point or the
 * window misses the volume.
 */
export async function runCrop(request: CropRequest): Promise<CropOutcome> {
  const state = appStore.getState();
  const seriesId = state.selectedSeriesId;
  const volume = volumeCache.get(seriesId);
  const point = state.pickedPoint;
  if (!seriesId || !volume) throw new Error('no series is open');
  if (!point) throw new Error('pick a point on the slice first');
  const [x, y, z] = point.voxel;
  const radiusMm = Math.min(CROP_LIMITS.radiusMm.max, Math.max(CROP_LIMITS.radiusMm.min, state.crop.radiusMm));
  const halfSlices = Math.round(Math.min(CROP_LIMITS.halfSlices.max, Math.max(CROP_LIMITS.halfSlices.min, state.crop.halfSlices)));
  const params: CropParams = { centre: { x, y, z }, radiusMm, halfSlices };
  const win = cropWindow(volume, params); // throws when the window misses the volume
  const src = resolveCropSource(state, request.source, z, win.z[0], win.z[1] - 1);
  let req: CropSurfaceRequest;
  /** Series slice of plane 0 of what the worker gets (mask planes start above 0). */
  let zShift = 0;
  if (src.kind === 'mask') {
    const planes = maskPlanesForCrop(volume, src.mask, z, halfSlices);
    zShift = z - planes.zInMask;
    req = { kind: 'mask', mask: planes.mask, params: { ...params, centre: { x, y, z: planes.zInMask } } };
  } else {
    // The window is small (2r x 2r x (2k+1) voxels) and freshly made, so it is transferred.
    const { cropped, offsetXyz } = cropMask(volume, params);
    req = { kind: 'hu', window: cropped, offsetXyz, thresholdHu: request.thresholdHu };
  }
  const r = await cropClient.cropSurface(req);
  const now = appStore.getState();
  if (now.selectedSeriesId !== seriesId) throw new Error('the series changed while cropping');
  const id = `crop:${seriesId}:${++cropCounter}`;
  meshCache.set(id, { mesh: r.mesh, heightColors: r.heightColors }, seriesId);
  const triangles = r.mesh.indices.length / 3;
  const meta: MeshMeta = {
    id,
    kind: 'crop',
    seriesId,
    triangles,
    vertices: r.mesh.positionsMm.length / 3,
    displayTriangles: triangles,
    decimated: false,
    areaMm2: r.areaMm2,
    volumeMl: r.volumeMl,
  };
  const previous = now.meshes.crop;
  now.setMesh('crop', meta);
  if (previous && previous.id !== id) meshCache.delete(previous.id);
  const { mesh: _mesh, heightColors: _colors, ...rest } = r;
  rest.offsetXyz = [rest.offsetXyz[0], rest.offsetXyz[1], rest.offsetXyz[2] + zShift];
  return { meta, result: rest, centreVoxel: [x, y, z], source: src.used };
}

/** Removes the crop (view and cache). */
export function clearCrop(): void {
  cropClient.cancel();
  const st = appStore.getState();
  const previous = st.meshes.crop;
  if (!previous) return;
  st.setMesh('crop', null);
  meshCache.delete(previous.id);
}

/**
 * The voxel of a GK structure nearest to (x, y) on slice z (or on the GK
 * mask's nearest plane), or null when the GK mask is empty there. O(plane).
 */
export function nearestGkVoxel(mask: CachedMask, x: number, y: number, z: number): Vec3 | null {
  const zm = Math.min(mask.nz - 1, Math.max(0, z - mask.zOffset));
  const { nx, ny } = mask;
  const base = zm * nx * ny;
  let best = -1;
  let bestD = Infinity;
  for (let j = 0; j < ny; j++) {
    const row = base + j * nx;
    const dy = (j - y) * (j - y);
    if (dy >= bestD) continue;
    for (let i = 0; i < nx; i++) {
      if (!inMask(mask.data[row + i], mask.bits)) continue;
      const d = (i - x) * (i - x) + dy;
      if (d < bestD) {
        bestD = d;
        best = i + j * nx;
      }
    }
  }
  return best < 0 ? null : [best % nx, Math.floor(best / nx), zm + mask.zOffset];
}

/**
 * Moves the picked point to the nearest GK structure: from the picked point,
 * else from the middle of the slice on screen, on its slice or, when that
 * slice has none, on the nearest slice that has one; false when there is none.
 */
export function snapToGkStructure(): boolean {
  const s = appStore.getState();
  const volume = volumeCache.get(s.selectedSeriesId);
  const gk = analysisMask(s, 'gk');
  if (!volume || !gk) return false;
  const from = s.pickedPoint?.voxel ?? [volume.nx / 2, volume.ny / 2, s.sliceZ];
  const z0 = Math.min(gk.zOffset + gk.nz - 1, Math.max(gk.zOffset, from[2]));
  let v: Vec3 | null = null;
  for (let d = 0; !v && (z0 - d >= gk.zOffset || z0 + d < gk.zOffset + gk.nz); d++) {
    if (z0 - d >= gk.zOffset) v = nearestGkVoxel(gk, from[0], from[1], z0 - d);
    if (!v && d > 0 && z0 + d < gk.zOffset + gk.nz) v = nearestGkVoxel(gk, from[0], from[1], z0 + d);
  }
  if (!v) return false;
  s.setPickedPoint({ voxel: v, patientMm: voxelToPatientMm(volume, v[0], v[1], v[2]) });
  return true;
}
