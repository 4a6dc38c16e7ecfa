/**
 * The tutorial's `crop_image` over neighbouring slices: a (2r) x (2r) window
 * around (row, column) = (y, x) on slices z - k .. z + k, clipped at the
 * array borders, returned as a smaller Mask or Volume whose geometry keeps
 * every voxel at the same patient position (the origin moves to the first
 * kept voxel). For a mask, the crop's surface comes with it (marching cubes,
 * as the tutorial's `interactive_3d_plot` meshes its crop).
 *
 * As in the tutorial, the window is rows [trunc(y - r), trunc(y + r)) and
 * columns [trunc(x - r), trunc(x + r)): 2r wide, the centre voxel at index r.
 * Unlike numpy slicing, a window reaching past the border is clipped instead
 * of wrapping around.
 *
 * Cost: O(cropped voxels) copy (row by row), plus marching cubes of the crop.
 */
import type { Mask, Vec3, Volume } from '../volume/volume';
import { voxelToPatientMm } from '../volume/volume';
import { fullMesh, surface } from './surface';
import type { Mesh } from './mesh';

export interface CropParams {
  /** Centre voxel: x = column, y = row, z = slice (fractions are truncated as in the tutorial). */
  centre: { x: number; y: number; z: number };
  /** Half-width r of the window in voxels (the tutorial's r = 10). */
  radiusVoxels?: number;
  /** Or the half-width in mm, turned into voxels per axis with the pixel spacing (rounded, at least 1). */
  radiusMm?: number;
  /** Keep slices z - halfSlices .. z + halfSlices (default 0: the centre slice only). */
  halfSlices?: number;
}

export interface CropResult<T> {
  cropped: T;
  /** Index (x, y, z) in the source of the crop's voxel (0, 0, 0). */
  offsetXyz: Vec3;
}

export interface CropMaskResult extends CropResult<Mask> {
  /** Surface of the cropped mask (closed unless closeBorders is false). */
  mesh: Mesh;
}

/** Index ranges [lo, hi) of the crop window along x, y, z after clipping. */
export function cropWindow(
  g: Pick<Mask, 'nx' | 'ny' | 'nz' | 'spacingMmXyz'>,
  params: CropParams,
): { x: [number, number]; y: [number, number]; z: [number, number] } {
  const { centre } = params;
  let rx: number, ry: number;
  if (params.radiusVoxels !== undefined) {
    rx = ry = params.radiusVoxels;
  } else if (params.radiusMm !== undefined) {
    rx = Math.max(1, Math.round(params.radiusMm / g.spacingMmXyz[0]));
    ry = Math.max(1, Math.round(params.radiusMm / g.spacingMmXyz[1]));
  } else {
    throw new RangeError('cropMask needs radiusVoxels or radiusMm');
  }
  if (!(rx > 0 && ry > 0)) throw new RangeError('crop radius must be positive');
  const k = params.halfSlices ?? 0;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`halfSlices must be an integer >= 0, got ${k}`);
  const clip = (lo: number, hi: number, n: number): [number, number] => [Math.max(0, lo), Math.min(n, hi)];
  const cz = Math.trunc(centre.z);
  const x = clip(Math.trunc(centre.x - rx), Math.trunc(centre.x + rx), g.nx);
  const y = clip(Math.trunc(centre.y - ry), Math.trunc(centre.y + ry), g.ny);
  const z = clip(cz - k, cz + k + 1, g.nz);
  if (x[1] <= x[0] || y[1] <= y[0] || z[1] <= z[0]) throw new RangeError('crop window lies outside the array');
  return { x, y, z };
}

function cropArray<A extends Uint8Array | Int16Array>(
  src: A, nx: number, ny: number, w: ReturnType<typeof cropWindow>, make: (n: number) => A,
): A {
  const cx = w.x[1] - w.x[0], cy = w.y[1] - w.y[0], cz = w.z[1] - w.z[0];
  const out = make(cx * cy * cz);
  let o = 0;
  for (let z = w.z[0]; z < w.z[1]; z++) {
    for (let y = w.y[0]; y < w.y[1]; y++) {
      const s = w.x[0] + y * nx + z * nx * ny;
      out.set(src.subarray(s, s + cx), o);
      o += cx;
    }
  }
  return out;
}

export function cropMask(src: Mask, params: CropParams, surfaceOpts?: { closeBorders?: boolean }): CropMaskResult;
export function cropMask(src: Volume, params: CropParams): CropResult<Volume>;
export function cropMask(src: Mask | Volume, params: CropParams, surfaceOpts: { closeBorders?: boolean } = {}): CropMaskResult | CropResult<Volume> {
  const w = cropWindow(src, params);
  const offsetXyz: Vec3 = [w.x[0], w.y[0], w.z[0]];
  const geometry = {
    nx: w.x[1] - w.x[0],
    ny: w.y[1] - w.y[0],
    nz: w.z[1] - w.z[0],
    spacingMmXyz: [...src.spacingMmXyz] as Vec3,
    originMm: voxelToPatientMm(src, w.x[0], w.y[0], w.z[0]),
    directionXyz: src.directionXyz.map((d) => [...d] as Vec3) as [Vec3, Vec3, Vec3],
  };
  if ('hu' in src) {
    const hu = cropArray(src.hu, src.nx, src.ny, w, (n) => new Int16Array(n));
    return { cropped: { ...geometry, hu }, offsetXyz };
  }
  const data = cropArray(src.data, src.nx, src.ny, w, (n) => new Uint8Array(n));
  const cropped: Mask = { ...geometry, data };
  // The one surface maker (marching cubes, closed at the window's borders unless asked), arrays that own their buffers.
  const mesh = fullMesh(surface(cropped, { stepSize: 1, trim: true, volume: false, closeBorders: surfaceOpts.closeBorders }));
  return { cropped, offsetXyz, mesh };
}
