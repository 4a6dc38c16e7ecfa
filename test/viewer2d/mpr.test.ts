import { describe, expect, it } from 'vitest';
import { cropWindow } from '../../src/core/mesh/cropMask';
import type { Vec3, Volume } from '../../src/core/volume/volume';
import { cropRectOnSlice, sliceIndexOf, sliceToVoxel, voxelToSlice } from '../../src/viewer2d/mpr';
import { sliceDisplay } from '../../src/viewer2d/orientation';
import type { SliceAxis } from '../../src/shared/view';
import { extractSlice } from '../../src/viewer2d/renderSlice';

function ramp(nx: number, ny: number, nz: number): Volume {
  const hu = new Int16Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) hu[x + y * nx + z * nx * ny] = x + 10 * y + 100 * z;
  return { nx, ny, nz, hu, spacingMmXyz: [0.7, 0.7, 2.5], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
}

describe('multi-planar geometry', () => {
  const vol = ramp(6, 5, 4);
  const axes: SliceAxis[] = ['axial', 'coronal', 'sagittal'];

  it('pixel (u, v) of slice k is the voxel sliceToVoxel gives, on every axis', () => {
    for (const axis of axes) {
      const n = axis === 'axial' ? vol.nz : axis === 'coronal' ? vol.ny : vol.nx;
      for (let k = 0; k < n; k++) {
        const img = extractSlice(vol, axis, k);
        for (let v = 0; v < img.height; v++) {
          for (let u = 0; u < img.width; u++) {
            const [x, y, z] = sliceToVoxel(axis, k, u, v);
            expect(img.data[u + v * img.width]).toBe(x + 10 * y + 100 * z);
          }
        }
      }
    }
  });

  it('voxelToSlice undoes sliceToVoxel, and the crosshair picks the slices of the other views', () => {
    const voxel: Vec3 = [4, 2, 3];
    for (const axis of axes) {
      const { index, u, v } = voxelToSlice(axis, voxel);
      expect(sliceToVoxel(axis, index, u, v)).toEqual(voxel);
      expect(sliceIndexOf(axis, { x: voxel[0], y: voxel[1] }, voxel[2])).toBe(index);
    }
  });

  it('draws the crop box where the crop window is, on the slices it spans', () => {
    const g = { nx: 100, ny: 100, nz: 30, spacingMmXyz: [0.5, 0.5, 2] as Vec3 };
    const centre: Vec3 = [40, 50, 10];
    const crop = { radiusMm: 5, halfSlices: 2 };
    const w = cropWindow(g, { centre: { x: 40, y: 50, z: 10 }, radiusMm: 5, halfSlices: 2 });
    expect(cropRectOnSlice(g, centre, crop, 'axial', 10)).toEqual({ u0: w.x[0], u1: w.x[1], v0: w.y[0], v1: w.y[1] });
    expect(cropRectOnSlice(g, centre, crop, 'axial', 12)).not.toBeNull();
    expect(cropRectOnSlice(g, centre, crop, 'axial', 13)).toBeNull();
    expect(cropRectOnSlice(g, centre, crop, 'coronal', 50)).toEqual({ u0: w.x[0], u1: w.x[1], v0: 8, v1: 13 });
    expect(cropRectOnSlice(g, centre, crop, 'sagittal', 40)).toEqual({ u0: w.y[0], u1: w.y[1], v0: 8, v1: 13 });
    expect(cropRectOnSlice(g, centre, crop, 'sagittal', 20)).toBeNull();
    // 5 mm at 0.5 mm per pixel: 10 pixels on each side of the centre.
    expect(w.x).toEqual([30, 50]);
  });

  it('shows coronal and sagittal views head up, the patient right on the left and anterior on the left', () => {
    const c = sliceDisplay(vol, 'coronal');
    expect([c.left, c.right, c.top, c.bottom]).toEqual(['R', 'L', 'S', 'I']);
    expect(c.flipY).toBe(true);
    const s = sliceDisplay(vol, 'sagittal');
    expect([s.left, s.right, s.top, s.bottom]).toEqual(['A', 'P', 'S', 'I']);
    const a = sliceDisplay(vol, 'axial');
    expect([a.left, a.right, a.top, a.bottom]).toEqual(['R', 'L', 'A', 'P']);
  });
});
