import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readNifti, voxelToRasAffine, writeNifti, writeNiftiGz } from '../../../src/core/io/nifti';
import { voxelToPatientMm, type Mask, type Vec3, type Volume, type VolumeGeometry } from '../../../src/core/volume/volume';

const c = Math.cos(0.4);
const s = Math.sin(0.4);
/** An oblique, orthonormal frame (rotation about z, then tilt), stored as LPS direction cosines. */
const oblique: VolumeGeometry = {
  nx: 7,
  ny: 5,
  nz: 4,
  spacingMmXyz: [0.7, 0.8, 2.5],
  originMm: [-120.5, 30.25, -410],
  directionXyz: [
    [c, s, 0],
    [-s * 0.8, c * 0.8, 0.6],
    [s * 0.6, -c * 0.6, 0.8],
  ],
};
const axial: VolumeGeometry = {
  nx: 6,
  ny: 3,
  nz: 5,
  spacingMmXyz: [0.5977, 0.5977, 2.5],
  originMm: [-153, -170.5, -336.75],
  directionXyz: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

function maskOn(g: VolumeGeometry): Mask {
  const data = new Uint8Array(g.nx * g.ny * g.nz);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 5 < 2 ? 1 : 0;
  return { ...g, data };
}

/** RAS position of voxel (x, y, z) from a row-major 4x4 affine. */
function apply(a: number[], x: number, y: number, z: number): Vec3 {
  return [0, 1, 2].map((r) => a[4 * r] * x + a[4 * r + 1] * y + a[4 * r + 2] * z + a[4 * r + 3]) as Vec3;
}

describe('writeNifti', () => {
  it('writes a NIfTI-1 header that an independent parser reads: sizes, datatype, pixdim, units, codes, magic', () => {
    const mask = maskOn(oblique);
    const bytes = writeNifti(mask, { description: 'lung mask' });
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(v.getInt32(0, true)).toBe(348);
    expect([v.getInt16(40, true), v.getInt16(42, true), v.getInt16(44, true), v.getInt16(46, true)]).toEqual([3, 7, 5, 4]);
    expect(v.getInt16(70, true)).toBe(2); // DT_UINT8
    expect(v.getInt16(72, true)).toBe(8);
    expect(v.getFloat32(80, true)).toBeCloseTo(0.7, 6);
    expect(v.getFloat32(84, true)).toBeCloseTo(0.8, 6);
    expect(v.getFloat32(88, true)).toBeCloseTo(2.5, 6);
    expect(v.getFloat32(108, true)).toBe(352);
    expect(v.getUint8(123)).toBe(2); // mm
    expect(v.getInt16(252, true)).toBe(1);
    expect(v.getInt16(254, true)).toBe(1);
    expect(String.fromCharCode(...bytes.subarray(344, 348))).toBe('n+1\0');
    expect(String.fromCharCode(...bytes.subarray(148, 157))).toBe('lung mask');
    expect(bytes.length).toBe(352 + 7 * 5 * 4);
    expect(Array.from(bytes.subarray(352))).toEqual(Array.from(mask.data)); // x fastest, as our index order
  });

  it('puts the LPS geometry into the sform as RAS (x and y rows negated)', () => {
    const bytes = writeNifti(maskOn(oblique));
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const srow = (r: number) => [0, 1, 2, 3].map((k) => v.getFloat32(280 + 16 * r + 4 * k, true));
    for (const [x, y, z] of [
      [0, 0, 0],
      [6, 4, 3],
      [2, 1, 3],
    ]) {
      const lps = voxelToPatientMm(oblique, x, y, z);
      const ras = [srow(0), srow(1), srow(2)].map((row) => row[0] * x + row[1] * y + row[2] * z + row[3]);
      expect(ras[0]).toBeCloseTo(-lps[0], 3);
      expect(ras[1]).toBeCloseTo(-lps[1], 3);
      expect(ras[2]).toBeCloseTo(lps[2], 3);
    }
  });

  it('writes a quaternion qform that gives the same voxel positions as the sform (proper and improper frames)', () => {
    const flipped: VolumeGeometry = { ...axial, directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, -1]] };
    const coronal: VolumeGeometry = { ...axial, directionXyz: [[1, 0, 0], [0, 0, -1], [0, 1, 0]] };
    const rotatedPi: VolumeGeometry = { ...axial, directionXyz: [[-1, 0, 0], [0, -1, 0], [0, 0, 1]] };
    for (const g of [oblique, axial, flipped, coronal, rotatedPi]) {
      const img = readNifti(writeNifti(maskOn(g)));
      const expected = voxelToRasAffine(g);
      for (const [x, y, z] of [
        [0, 0, 0],
        [g.nx - 1, 0, 0],
        [0, g.ny - 1, 0],
        [0, 0, g.nz - 1],
        [g.nx - 1, g.ny - 1, g.nz - 1],
      ]) {
        const want = apply(expected, x, y, z);
        const q = apply(img.qformRas, x, y, z);
        const sf = apply(img.sformRas!, x, y, z);
        for (let k = 0; k < 3; k++) {
          expect(q[k]).toBeCloseTo(want[k], 3);
          expect(sf[k]).toBeCloseTo(want[k], 3);
        }
      }
    }
  });

  it('writes HU volumes as int16 with slope 1 and intercept 0', () => {
    const hu = new Int16Array(axial.nx * axial.ny * axial.nz);
    for (let i = 0; i < hu.length; i++) hu[i] = -1024 + i * 37;
    const vol: Volume = { ...axial, hu };
    const bytes = writeNifti(vol);
    const v = new DataView(bytes.buffer);
    expect(v.getInt16(70, true)).toBe(4);
    expect(v.getInt16(72, true)).toBe(16);
    expect(v.getFloat32(112, true)).toBe(1);
    expect(v.getFloat32(116, true)).toBe(0);
    for (let i = 0; i < hu.length; i++) expect(v.getInt16(352 + 2 * i, true)).toBe(hu[i]);
  });
});

describe('readNifti and .nii.gz', () => {
  it('round-trips a mask: same voxels, dims and geometry', () => {
    const mask = maskOn(oblique);
    for (const bytes of [writeNifti(mask), writeNiftiGz(mask, { level: 9 })]) {
      const img = readNifti(bytes);
      expect([img.nx, img.ny, img.nz]).toEqual([7, 5, 4]);
      expect(img.datatype).toBe(2);
      expect(img.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(img.data)).toEqual(Array.from(mask.data));
      for (let k = 0; k < 3; k++) {
        expect(img.spacingMmXyz[k]).toBeCloseTo(oblique.spacingMmXyz[k], 5);
        expect(img.originMm[k]).toBeCloseTo(oblique.originMm[k], 3);
        for (let j = 0; j < 3; j++) expect(img.directionXyz[k][j]).toBeCloseTo(oblique.directionXyz[k][j], 6);
      }
      const expected = voxelToRasAffine(oblique);
      img.sformRas!.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 4));
    }
  });

  it('round-trips an int16 HU volume through .nii.gz, and the gzip stream is a plain .nii', () => {
    const hu = Int16Array.from({ length: axial.nx * axial.ny * axial.nz }, (_, i) => ((i * 7919) % 4096) - 1024);
    const gz = writeNiftiGz({ ...axial, hu }, { description: 'CT' });
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(Array.from(gunzipSync(gz))).toEqual(Array.from(writeNifti({ ...axial, hu }, { description: 'CT' })));
    const img = readNifti(gz);
    expect(img.data).toBeInstanceOf(Int16Array);
    expect(Array.from(img.data)).toEqual(Array.from(hu));
    expect(img.description).toBe('CT');
    expect(img.xyztUnits).toBe(2);
  });

  it('writes reproducible .nii.gz bytes (no time stamp)', () => {
    const mask = maskOn(axial);
    expect(Array.from(writeNiftiGz(mask))).toEqual(Array.from(writeNiftiGz(mask)));
  });

  it('writes the mask, not the HU, for a mask spread from its volume (both data and hu present)', () => {
    const hu = Int16Array.from({ length: axial.nx * axial.ny * axial.nz }, (_, i) => i - 40);
    const data = Uint8Array.from(hu, (h) => (h < 0 ? 1 : 0));
    const img = readNifti(writeNifti({ ...axial, hu, data }));
    expect(img.datatype).toBe(2);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });

  it('rejects data that does not fit the grid and files that are not NIfTI-1', () => {
    expect(() => writeNifti({ ...axial, data: new Uint8Array(3) })).toThrow(RangeError);
    expect(() => readNifti(new Uint8Array(400))).toThrow();
  });
});
