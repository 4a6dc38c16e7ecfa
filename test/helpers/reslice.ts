/**
 * The same patient-space voxels as another stack: axis a of the new grid is
 * axis `axes[a].from` of the source, reversed when `axes[a].flip`. Written
 * plainly voxel by voxel (independent of src/core/volume/reorient.ts), to
 * make sagittal and coronal acquisitions out of an axial one in tests.
 */
import { voxelToPatientMm, type Mask, type Vec3, type Volume, type VolumeGeometry } from '../../src/core/volume/volume';

export interface ResliceAxis {
  from: 0 | 1 | 2;
  flip: boolean;
}

export type ResliceAxes = [ResliceAxis, ResliceAxis, ResliceAxis];

/** DICOM sagittal (ImageOrientationPatient 0\1\0\0\0\-1, normal = row × column = -x) from an LPS-aligned axial stack. */
export const SAGITTAL_DICOM: ResliceAxes = [
  { from: 1, flip: false },
  { from: 2, flip: true },
  { from: 0, flip: true },
];
/** DICOM coronal (ImageOrientationPatient 1\0\0\0\0\-1, normal = +y) from an LPS-aligned axial stack. */
export const CORONAL_DICOM: ResliceAxes = [
  { from: 0, flip: false },
  { from: 2, flip: true },
  { from: 1, flip: false },
];
/** Sagittal stack as a bare axis permutation (rows AP, columns SI, slices LR), no flips. */
export const SAGITTAL_PERMUTED: ResliceAxes = [
  { from: 1, flip: false },
  { from: 2, flip: false },
  { from: 0, flip: false },
];
/** Coronal stack as a bare axis permutation (rows LR, columns SI, slices AP), no flips. */
export const CORONAL_PERMUTED: ResliceAxes = [
  { from: 0, flip: false },
  { from: 2, flip: false },
  { from: 1, flip: false },
];

export interface Reslicer {
  geometry: VolumeGeometry;
  /** newIndexOf[i] = index in the new grid of source voxel i. */
  newIndexOf: Int32Array;
}

export function reslicer(g: VolumeGeometry, axes: ResliceAxes): Reslicer {
  const n = [g.nx, g.ny, g.nz];
  const m = axes.map((a) => n[a.from]);
  const corner = [0, 0, 0];
  for (const a of axes) if (a.flip) corner[a.from] = n[a.from] - 1;
  const geometry: VolumeGeometry = {
    nx: m[0],
    ny: m[1],
    nz: m[2],
    spacingMmXyz: axes.map((a) => g.spacingMmXyz[a.from]) as Vec3,
    originMm: voxelToPatientMm(g, corner[0], corner[1], corner[2]),
    directionXyz: axes.map((a) => g.directionXyz[a.from].map((c) => (a.flip ? -c : c))) as [Vec3, Vec3, Vec3],
  };
  // New index = offset + u[0]*step[0] + u[1]*step[1] + u[2]*step[2] (u: source index).
  const newStride = [1, m[0], m[0] * m[1]];
  const step = [0, 0, 0];
  let offset = 0;
  axes.forEach((a, k) => {
    step[a.from] = a.flip ? -newStride[k] : newStride[k];
    if (a.flip) offset += (n[a.from] - 1) * newStride[k];
  });
  const newIndexOf = new Int32Array(g.nx * g.ny * g.nz);
  let i = 0;
  for (let z = 0; z < g.nz; z++) {
    for (let y = 0; y < g.ny; y++) {
      for (let x = 0; x < g.nx; x++) newIndexOf[i++] = offset + x * step[0] + y * step[1] + z * step[2];
    }
  }
  return { geometry, newIndexOf };
}

export function resliceData<T extends Int16Array | Uint8Array>(data: T, r: Reslicer): T {
  const out = new (data.constructor as { new (length: number): T })(data.length);
  const idx = r.newIndexOf;
  for (let i = 0; i < data.length; i++) out[idx[i]] = data[i];
  return out;
}

export function resliceVolume(volume: Volume, r: Reslicer): Volume {
  return { ...r.geometry, hu: resliceData(volume.hu, r) };
}

export function resliceMask(mask: Mask, r: Reslicer): Mask {
  return { ...r.geometry, data: resliceData(mask.data, r) };
}
