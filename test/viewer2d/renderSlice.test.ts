import { describe, expect, it } from 'vitest';
import type { Volume } from '../../src/core/volume/volume';
import { extractSlice, sliceCount } from '../../src/viewer2d/renderSlice';

function ramp(nx: number, ny: number, nz: number): Volume {
  const hu = new Int16Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) hu[x + y * nx + z * nx * ny] = x + 10 * y + 100 * z;
  return {
    nx, ny, nz, hu,
    spacingMmXyz: [0.7, 0.8, 2.5],
    originMm: [0, 0, 0],
    directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  };
}

describe('slice extraction (index x + y*nx + z*nx*ny)', () => {
  const vol = ramp(5, 4, 3);

  it('counts slices along each axis', () => {
    expect([sliceCount(vol, 'axial'), sliceCount(vol, 'coronal'), sliceCount(vol, 'sagittal')]).toEqual([3, 4, 5]);
  });

  it('returns an axial slice as a view of the volume (no copy)', () => {
    const s = extractSlice(vol, 'axial', 2);
    expect(s.data.buffer).toBe(vol.hu.buffer);
    expect([s.width, s.height]).toEqual([5, 4]);
    expect(s.pixelSpacingMmUv).toEqual([0.7, 0.8]);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) expect(s.data[x + y * 5]).toBe(x + 10 * y + 200);
  });

  it('gathers coronal (u = x, v = z) and sagittal (u = y, v = z) slices', () => {
    const c = extractSlice(vol, 'coronal', 1);
    expect([c.width, c.height, ...c.pixelSpacingMmUv]).toEqual([5, 3, 0.7, 2.5]);
    for (let z = 0; z < 3; z++) for (let x = 0; x < 5; x++) expect(c.data[x + z * 5]).toBe(x + 10 + 100 * z);
    const s = extractSlice(vol, 'sagittal', 4);
    expect([s.width, s.height, ...s.pixelSpacingMmUv]).toEqual([4, 3, 0.8, 2.5]);
    for (let z = 0; z < 3; z++) for (let y = 0; y < 4; y++) expect(s.data[y + z * 4]).toBe(4 + 10 * y + 100 * z);
  });

  it('reuses a scratch buffer that is large enough', () => {
    const scratch = new Int16Array(64);
    const c = extractSlice(vol, 'coronal', 0, scratch);
    expect(c.data.buffer).toBe(scratch.buffer);
    expect(c.data.length).toBe(15);
  });

  it('does not change the volume', () => {
    const before = vol.hu.slice();
    extractSlice(vol, 'sagittal', 1);
    extractSlice(vol, 'coronal', 3);
    expect(vol.hu).toEqual(before);
  });

  it('rejects indices outside the volume', () => {
    expect(() => extractSlice(vol, 'axial', 3)).toThrow(RangeError);
    expect(() => extractSlice(vol, 'axial', -1)).toThrow(RangeError);
    expect(() => extractSlice(vol, 'coronal', 1.5)).toThrow(RangeError);
  });
});
