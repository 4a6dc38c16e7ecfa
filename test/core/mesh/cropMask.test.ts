import { describe, expect, it } from 'vitest';
import { cropMask, cropWindow } from '../../../src/core/mesh/cropMask';
import { marchingCubes } from '../../../src/core/mesh/marchingCubes';
import type { Vec3, Volume } from '../../../src/core/volume/volume';
import { voxelToPatientMm } from '../../../src/core/volume/volume';
import { CLOSED, maskFrom, rng, topology, triangleSet } from './meshChecks';

const r = rng(9);
const mask = maskFrom(40, 30, 12, () => r() < 0.4);
const c = Math.cos(0.2), s = Math.sin(0.2);
mask.spacingMmXyz = [0.6, 0.7, 2.5];
mask.originMm = [-150, -120, 300];
mask.directionXyz = [[c, 0, s], [0, 1, 0], [-s, 0, c]];

/** The crop written out the obvious way. */
function naiveCrop(x0: number, x1: number, y0: number, y1: number, z0: number, z1: number): Uint8Array {
  const out: number[] = [];
  for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
    out.push(mask.data[x + y * mask.nx + z * mask.nx * mask.ny]);
  }
  return Uint8Array.from(out);
}

describe('cropMask', () => {
  it('takes the tutorial window: rows y-r .. y+r-1, columns x-r .. x+r-1, slices z-k .. z+k', () => {
    const res = cropMask(mask, { centre: { x: 20, y: 15, z: 6 }, radiusVoxels: 5, halfSlices: 2 });
    expect(res.offsetXyz).toEqual([15, 10, 4]);
    expect([res.cropped.nx, res.cropped.ny, res.cropped.nz]).toEqual([10, 10, 5]);
    expect(res.cropped.data).toEqual(naiveCrop(15, 25, 10, 20, 4, 9));
  });

  it('keeps every voxel at its patient position (origin moved, spacing and directions kept)', () => {
    const res = cropMask(mask, { centre: { x: 20.7, y: 15.2, z: 6 }, radiusVoxels: 5, halfSlices: 2 });
    const [ox, oy, oz] = res.offsetXyz;
    for (const [x, y, z] of [[0, 0, 0], [9, 9, 4], [3, 7, 1]] as Vec3[]) {
      const a = voxelToPatientMm(res.cropped, x, y, z);
      const b = voxelToPatientMm(mask, x + ox, y + oy, z + oz);
      for (let k = 0; k < 3; k++) expect(a[k]).toBeCloseTo(b[k], 9);
    }
    expect(res.cropped.spacingMmXyz).toEqual(mask.spacingMmXyz);
    expect(res.cropped.directionXyz).toEqual(mask.directionXyz);
  });

  it('clips the window at the borders instead of wrapping', () => {
    const res = cropMask(mask, { centre: { x: 2, y: 28, z: 0 }, radiusVoxels: 5, halfSlices: 3 });
    expect(res.offsetXyz).toEqual([0, 23, 0]);
    expect([res.cropped.nx, res.cropped.ny, res.cropped.nz]).toEqual([7, 7, 4]);
    expect(res.cropped.data).toEqual(naiveCrop(0, 7, 23, 30, 0, 4));
    expect(() => cropMask(mask, { centre: { x: 100, y: 10, z: 3 }, radiusVoxels: 5 })).toThrow(RangeError);
  });

  it('turns a radius in mm into voxels per axis with the pixel spacing', () => {
    const w = cropWindow(mask, { centre: { x: 20, y: 15, z: 6 }, radiusMm: 3 });
    expect(w.x).toEqual([15, 25]); // 3 / 0.6 = 5 voxels
    expect(w.y).toEqual([11, 19]); // 3 / 0.7 = 4.3 -> 4 voxels
    expect(w.z).toEqual([6, 7]);
  });

  it('comes with the closed surface of the cropped mask, in patient space', () => {
    const res = cropMask(mask, { centre: { x: 20, y: 15, z: 6 }, radiusVoxels: 6, halfSlices: 2 });
    expect(topology(res.mesh)).toEqual(CLOSED);
    expect(triangleSet(res.mesh)).toEqual(triangleSet(marchingCubes(res.cropped)));
    // Without the caps (closeBorders false) the crop's vertices are vertices of the full
    // mask's surface: compare them as source voxel coordinates (half-voxel steps).
    const toVoxelKey = (p: Float32Array, i: number) => {
      const [sx, sy, sz] = mask.spacingMmXyz;
      const d = mask.directionXyz;
      const q = [p[i] - mask.originMm[0], p[i + 1] - mask.originMm[1], p[i + 2] - mask.originMm[2]];
      const v = [0, 1, 2].map((k) => (d[k][0] * q[0] + d[k][1] * q[1] + d[k][2] * q[2]) / [sx, sy, sz][k]);
      return v.map((x) => Math.round(x * 2)).join(',');
    };
    const full = new Set<string>();
    const fm = marchingCubes(mask).positionsMm;
    for (let i = 0; i < fm.length; i += 3) full.add(toVoxelKey(fm, i));
    const open = cropMask(mask, { centre: { x: 20, y: 15, z: 6 }, radiusVoxels: 6, halfSlices: 2 }, { closeBorders: false });
    const p = open.mesh.positionsMm;
    expect(p.length).toBeGreaterThan(0);
    let missing = 0;
    for (let i = 0; i < p.length; i += 3) if (!full.has(toVoxelKey(p, i))) missing++;
    expect(missing).toBe(0);
  });

  it('crops a HU volume too, without a mesh', () => {
    const hu = Int16Array.from({ length: mask.nx * mask.ny * mask.nz }, (_, i) => (i % 4000) - 1024);
    const vol: Volume = { ...mask, hu };
    const res = cropMask(vol, { centre: { x: 10, y: 10, z: 5 }, radiusVoxels: 3, halfSlices: 1 });
    expect('mesh' in res).toBe(false);
    expect(res.cropped.hu.length).toBe(6 * 6 * 3);
    expect(res.cropped.hu[0]).toBe(hu[7 + 7 * mask.nx + 4 * mask.nx * mask.ny]);
    expect(res.cropped.hu[res.cropped.hu.length - 1]).toBe(hu[12 + 12 * mask.nx + 6 * mask.nx * mask.ny]);
  });
});
