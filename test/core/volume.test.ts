import { describe, expect, it } from 'vitest';
import { voxelToPatientAffine, voxelToPatientMm, voxelVolumeMm3, type VolumeGeometry } from '../../src/core/volume/volume';

const tilted: VolumeGeometry = {
  nx: 4, ny: 3, nz: 2,
  spacingMmXyz: [0.5, 0.75, 2],
  originMm: [-10, 20, 30],
  directionXyz: [[0, 1, 0], [0, 0, -1], [-1, 0, 0]],
};

describe('volume geometry', () => {
  it('maps voxel (0,0,0) to the origin', () => {
    expect(voxelToPatientMm(tilted, 0, 0, 0)).toEqual([-10, 20, 30]);
  });
  it('steps along each direction by its spacing', () => {
    expect(voxelToPatientMm(tilted, 2, 0, 0)).toEqual([-10, 21, 30]);
    expect(voxelToPatientMm(tilted, 0, 2, 0)).toEqual([-10, 20, 28.5]);
    expect(voxelToPatientMm(tilted, 0, 0, 1)).toEqual([-12, 20, 30]);
  });
  it('affine agrees with the point mapping', () => {
    const a = voxelToPatientAffine(tilted);
    const [x, y, z] = [3, 1, 1];
    const p = voxelToPatientMm(tilted, x, y, z);
    for (let r = 0; r < 3; r++) {
      expect(a[r * 4] * x + a[r * 4 + 1] * y + a[r * 4 + 2] * z + a[r * 4 + 3]).toBeCloseTo(p[r], 12);
    }
  });
  it('voxel volume is the product of spacings', () => {
    expect(voxelVolumeMm3(tilted)).toBeCloseTo(0.75, 12);
  });
});
