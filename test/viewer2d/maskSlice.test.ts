import { describe, expect, it } from 'vitest';
import type { Volume } from '../../src/core/volume/volume';
import { extractMaskSlice, maskCoversSlice, type SliceMask } from '../../src/viewer2d/maskSlice';
import { extractSlice, type SliceAxis } from '../../src/viewer2d/renderSlice';

const nx = 7, ny = 5, nz = 6;

/** A volume whose HU are the mask values of a full-volume mask (0 where a partial mask has no plane). */
function asVolume(m: SliceMask): Volume {
  const hu = new Int16Array(nx * ny * nz);
  const plane = nx * ny;
  for (let zm = 0; zm < m.nz; zm++) for (let i = 0; i < plane; i++) hu[(zm + m.zOffset) * plane + i] = m.data[zm * plane + i];
  return { nx, ny, nz, hu, spacingMmXyz: [1, 1, 1], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
}

function randomMask(planes: number, zOffset: number, seed: number): SliceMask {
  const data = new Uint8Array(nx * ny * planes);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 16) % 3 === 0 ? 1 : 0;
  }
  return { nx, ny, nz: planes, data, zOffset };
}

describe('mask slices lie under the image slices', () => {
  const axes: SliceAxis[] = ['axial', 'coronal', 'sagittal'];

  it('cuts a whole-volume mask exactly as extractSlice cuts the same values', () => {
    const m = randomMask(nz, 0, 1);
    const vol = asVolume(m);
    for (const axis of axes) {
      const n = axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
      for (let k = 0; k < n; k++) {
        const plane = extractMaskSlice(m, nz, axis, k)!;
        expect(Array.from(plane)).toEqual(Array.from(extractSlice(vol, axis, k).data));
      }
    }
  });

  it('cuts a mask of a few slices with zeros where it has no plane (coronal, sagittal) and nothing off its slices (axial)', () => {
    const m = randomMask(2, 3, 7);
    const vol = asVolume(m);
    for (const axis of ['coronal', 'sagittal'] as const) {
      const n = axis === 'coronal' ? ny : nx;
      for (let k = 0; k < n; k++) expect(Array.from(extractMaskSlice(m, nz, axis, k)!)).toEqual(Array.from(extractSlice(vol, axis, k).data));
    }
    expect(extractMaskSlice(m, nz, 'axial', 2)).toBeNull();
    expect(extractMaskSlice(m, nz, 'axial', 5)).toBeNull();
    expect(maskCoversSlice(m, 'axial', 3)).toBe(true);
    expect(maskCoversSlice(m, 'axial', 4)).toBe(true);
    expect(Array.from(extractMaskSlice(m, nz, 'axial', 4)!)).toEqual(Array.from(extractSlice(vol, 'axial', 4).data));
  });

  it('returns axial planes as views and reuses the scratch buffer for the other axes', () => {
    const m = randomMask(nz, 0, 3);
    expect(extractMaskSlice(m, nz, 'axial', 2)!.buffer).toBe(m.data.buffer);
    const scratch = new Uint8Array(100).fill(9);
    const c = extractMaskSlice(m, nz, 'coronal', 1, scratch)!;
    expect(c.buffer).toBe(scratch.buffer);
    expect(c.length).toBe(nx * nz);
  });
});
