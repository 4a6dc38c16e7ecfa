/**
 * Volume, mask and geometry types shared by every layer.
 *
 * One index order everywhere: voxel (x, y, z) lives at i = x + y*nx + z*nx*ny.
 * x runs along a row (DICOM column index), y down the rows, z through the
 * slices in order of increasing position along the slice normal.
 *
 * Patient space is DICOM LPS in millimetres: +x to the patient's left,
 * +y to the posterior, +z to the head.
 */

export type Vec3 = [number, number, number];

export interface VolumeGeometry {
  /** Voxels per row (columns). */
  nx: number;
  /** Rows per slice. */
  ny: number;
  /** Slices. */
  nz: number;
  /** Distance between voxel centres along x, y, z in mm (x, y from PixelSpacing; z from positions). */
  spacingMmXyz: Vec3;
  /** Patient-space (LPS, mm) centre of voxel (0, 0, 0): ImagePositionPatient of the first slice. */
  originMm: Vec3;
  /**
   * Unit direction cosines in LPS of increasing x, y and z index:
   * [row direction, column direction, slice direction]. The slice
   * direction is the normal row x column (slices are sorted along it).
   */
  directionXyz: [Vec3, Vec3, Vec3];
}

/** A CT volume in Hounsfield units. */
export interface Volume extends VolumeGeometry {
  hu: Int16Array;
}

/** A binary (0/1) mask on a volume's grid. */
export interface Mask extends VolumeGeometry {
  data: Uint8Array;
}

/** Volume of one voxel in mm^3. */
export function voxelVolumeMm3(g: Pick<VolumeGeometry, 'spacingMmXyz'>): number {
  const [sx, sy, sz] = g.spacingMmXyz;
  return sx * sy * sz;
}

/** Copy only the geometry fields (so a mask can be made on a volume's grid). */
export function geometryOf(g: VolumeGeometry): VolumeGeometry {
  return {
    nx: g.nx,
    ny: g.ny,
    nz: g.nz,
    spacingMmXyz: [...g.spacingMmXyz] as Vec3,
    originMm: [...g.originMm] as Vec3,
    directionXyz: g.directionXyz.map((d) => [...d] as Vec3) as [Vec3, Vec3, Vec3],
  };
}

/** Patient-space (LPS, mm) position of the centre of voxel (x, y, z); fractional indices allowed. */
export function voxelToPatientMm(g: VolumeGeometry, x: number, y: number, z: number): Vec3 {
  const [sx, sy, sz] = g.spacingMmXyz;
  const [dx, dy, dz] = g.directionXyz;
  const o = g.originMm;
  return [
    o[0] + dx[0] * x * sx + dy[0] * y * sy + dz[0] * z * sz,
    o[1] + dx[1] * x * sx + dy[1] * y * sy + dz[1] * z * sz,
    o[2] + dx[2] * x * sx + dy[2] * y * sy + dz[2] * z * sz,
  ];
}

/**
 * 4x4 affine (row-major, 16 numbers) taking voxel indices (x, y, z, 1) to
 * LPS millimetres. NIfTI writers flip the first two rows to get RAS.
 */
export function voxelToPatientAffine(g: VolumeGeometry): number[] {
  const [sx, sy, sz] = g.spacingMmXyz;
  const [dx, dy, dz] = g.directionXyz;
  const o = g.originMm;
  return [
    dx[0] * sx, dy[0] * sy, dz[0] * sz, o[0],
    dx[1] * sx, dy[1] * sy, dz[1] * sz, o[1],
    dx[2] * sx, dy[2] * sy, dz[2] * sz, o[2],
    0, 0, 0, 1,
  ];
}

/**
 * Voxel indices (fractional) of a patient-space point (LPS mm): the inverse
 * of voxelToPatientMm, through the inverse of its 3x3 matrix (direction
 * cosines times spacing; not assumed orthogonal, so tilted stacks invert
 * too). Returns a function, so the inverse is computed once for many points.
 */
export function patientMmToVoxelFn(g: VolumeGeometry): (pMm: ArrayLike<number>, offset?: number, out?: Vec3) => Vec3 {
  // M (columns: the voxel steps in mm) and the origin, from the affine.
  const [a, b, c, ox, d, e, f, oy, h, k, l, oz] = voxelToPatientAffine(g);
  const det = a * (e * l - f * k) - b * (d * l - f * h) + c * (d * k - e * h);
  if (!(Math.abs(det) > 0)) throw new RangeError('volume geometry is singular');
  const r = 1 / det;
  const i00 = (e * l - f * k) * r, i01 = (c * k - b * l) * r, i02 = (b * f - c * e) * r;
  const i10 = (f * h - d * l) * r, i11 = (a * l - c * h) * r, i12 = (c * d - a * f) * r;
  const i20 = (d * k - e * h) * r, i21 = (b * h - a * k) * r, i22 = (a * e - b * d) * r;
  return (p, o = 0, out = [0, 0, 0]) => {
    const px = p[o] - ox, py = p[o + 1] - oy, pz = p[o + 2] - oz;
    out[0] = i00 * px + i01 * py + i02 * pz;
    out[1] = i10 * px + i11 * py + i12 * pz;
    out[2] = i20 * px + i21 * py + i22 * pz;
    return out;
  };
}
