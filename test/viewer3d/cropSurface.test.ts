import { describe, expect, it } from 'vitest';
import { cropMask } from '../../src/core/mesh/cropMask';
import { heightColors } from '../../src/core/mesh/heightColors';
import { marchingCubes } from '../../src/core/mesh/marchingCubes';
import { meshAreaMm2, meshVolumeMl } from '../../src/core/mesh/mesh';
import type { Mask, Volume } from '../../src/core/volume/volume';
import type { CachedMask } from '../../src/state/maskCache';
import { maskCache } from '../../src/state/maskCache';
import type { AppState } from '../../src/state/store';
import { maskPlanesForCrop, nearestGkVoxel, resolveCropSource } from '../../src/ui/view3d/cropActions';
import { cropSurface } from '../../src/workers/cropWorkerApi';

const DIR: Volume['directionXyz'] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];

/** A 40 x 40 x 20 HU volume (0.8 x 0.8 x 2.5 mm) with a dense ball (40 HU) of radius 6 mm in air-like lung (-850 HU). */
function ballVolume(): Volume {
  const nx = 40, ny = 40, nz = 20;
  const hu = new Int16Array(nx * ny * nz).fill(-850);
  const sp: [number, number, number] = [0.8, 0.8, 2.5];
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const d2 = ((x - 20) * sp[0]) ** 2 + ((y - 18) * sp[1]) ** 2 + ((z - 10) * sp[2]) ** 2;
    if (d2 <= 36) hu[x + y * nx + z * nx * ny] = 40;
  }
  return { nx, ny, nz, spacingMmXyz: sp, originMm: [-100, 50, -200], directionXyz: DIR, hu };
}

describe('cropSurface (crop worker)', () => {
  it('meshes the thresholded HU window like marching cubes of the same mask', () => {
    const vol = ballVolume();
    const params = { centre: { x: 20, y: 18, z: 10 }, radiusMm: 8, halfSlices: 2 };
    const { cropped, offsetXyz } = cropMask(vol, params);
    const r = cropSurface({ kind: 'hu', window: cropped, offsetXyz, thresholdHu: -400 });
    const mask: Mask = { ...cropped, data: Uint8Array.from(cropped.hu, (v) => (v >= -400 ? 1 : 0)) };
    const expected = marchingCubes(mask);
    expect(Array.from(r.mesh.indices)).toEqual(Array.from(expected.indices));
    expect(Array.from(r.mesh.positionsMm)).toEqual(Array.from(expected.positionsMm));
    expect(r.areaMm2).toBeCloseTo(meshAreaMm2(expected), 6);
    expect(r.volumeMl).toBeCloseTo(meshVolumeMl(expected), 9);
    expect(Array.from(r.heightColors)).toEqual(Array.from(heightColors(expected, 'z')));
    expect(r.offsetXyz).toEqual([10, 8, 8]);
    expect(r.windowDims).toEqual([20, 20, 5]);
    expect(r.insideVoxels).toBe(mask.data.reduce((a, b) => a + b, 0));
    // The window cuts the ball: 5 slices of 2.5 mm keep a slab about 12.5 mm thick of a 12 mm ball.
    expect(r.volumeMl).toBeGreaterThan(0.5);
    expect(r.volumeMl).toBeLessThan((4 / 3) * Math.PI * 0.6 ** 3 * 1.3);
  });

  it('on a mask, gives the surface of the core cropMask', () => {
    const vol = ballVolume();
    const { hu, ...geometry } = vol;
    const mask: Mask = { ...geometry, data: Uint8Array.from(hu, (v) => (v > 0 ? 1 : 0)) };
    const params = { centre: { x: 20, y: 18, z: 10 }, radiusMm: 4, halfSlices: 1 };
    const r = cropSurface({ kind: 'mask', mask, params });
    const expected = cropMask(mask, params);
    expect(Array.from(r.mesh.indices)).toEqual(Array.from(expected.mesh.indices));
    expect(r.offsetXyz).toEqual(expected.offsetXyz);
    expect(r.mesh.indices.length).toBeGreaterThan(0);
  });

  it('returns arrays that own their buffers (so they can be transferred, not copied)', () => {
    const vol = ballVolume();
    const { cropped, offsetXyz } = cropMask(vol, { centre: { x: 20, y: 18, z: 10 }, radiusMm: 8, halfSlices: 2 });
    const r = cropSurface({ kind: 'hu', window: cropped, offsetXyz, thresholdHu: -400 });
    for (const a of [r.mesh.positionsMm, r.mesh.indices, r.mesh.normals, r.heightColors]) {
      expect(a.byteOffset).toBe(0);
      expect(a.byteLength).toBe(a.buffer.byteLength);
    }
  });
});

describe('crop helpers', () => {
  it('cuts the planes of a partial mask around the centre, keeping patient positions', () => {
    const vol = ballVolume();
    const nx = vol.nx, ny = vol.ny;
    const planes = 6;
    const data = new Uint8Array(nx * ny * planes);
    for (let k = 0; k < planes; k++) data[k * nx * ny + 3 + 4 * nx] = k + 1; // marks plane k
    const gk: CachedMask = { kind: 'gk', seriesId: 's', nx, ny, nz: planes, zOffset: 8, data };
    const { mask, zInMask } = maskPlanesForCrop(vol, gk, 10, 1);
    // Slices 9..11 of the volume = planes 1..3 of the GK mask.
    expect(mask.nz).toBe(3);
    expect(zInMask).toBe(1);
    expect([0, 1, 2].map((k) => mask.data[k * nx * ny + 3 + 4 * nx])).toEqual([2, 3, 4]);
    expect(mask.originMm).toEqual([vol.originMm[0], vol.originMm[1], vol.originMm[2] + 9 * 2.5]);
    // Near the mask's edge only the covered planes are kept.
    expect(maskPlanesForCrop(vol, gk, 8, 2).mask.nz).toBe(3);
    expect(() => maskPlanesForCrop(vol, gk, 2, 1)).toThrow(RangeError);
  });

  it('finds the nearest GK voxel on the slice, by brute force agreement', () => {
    const nx = 30, ny = 20;
    const data = new Uint8Array(nx * ny * 2);
    const on = [[3, 4], [25, 15], [12, 10], [13, 2]];
    for (const [x, y] of on) data[nx * ny + x + y * nx] = 1; // plane 1 only
    const gk: CachedMask = { kind: 'gk', seriesId: 's', nx, ny, nz: 2, zOffset: 40, data };
    for (const [px, py] of [[0, 0], [29, 19], [12, 5], [20, 12]]) {
      const best = on.reduce((a, b) => ((b[0] - px) ** 2 + (b[1] - py) ** 2 < (a[0] - px) ** 2 + (a[1] - py) ** 2 ? b : a));
      expect(nearestGkVoxel(gk, px, py, 41)).toEqual([best[0], best[1], 41]);
    }
    expect(nearestGkVoxel(gk, 5, 5, 40)).toBeNull(); // plane 0 is empty
    expect(nearestGkVoxel(gk, 5, 5, 99)).toEqual([3, 4, 41]); // beyond the mask: its nearest plane
  });

  it("'auto' takes the GK structures only when they cover all the crop's slices (no thin slab)", () => {
    const nx = 8, ny = 8;
    maskCache.set('gk-5', { kind: 'gk', seriesId: 's', nx, ny, nz: 5, zOffset: 48, data: new Uint8Array(nx * ny * 5) });
    maskCache.set('internal-all', { kind: 'internal', seriesId: 's', nx, ny, nz: 99, zOffset: 0, data: new Uint8Array(nx * ny * 99) });
    const state = { selectedSeriesId: 's', analysisResults: { seriesId: 's', maskIds: { gk: 'gk-5', internal: 'internal-all' } } } as unknown as Pick<AppState, 'analysisResults' | 'selectedSeriesId'>;
    // Crop slices 45..55 around 50: GK covers 48..52 only.
    expect(resolveCropSource(state, 'auto', 50, 45, 55).used).toBe('internal');
    expect(resolveCropSource(state, 'auto', 50, 49, 51).used).toBe('gk');
    // Asked for by name, GK is used where it covers the centre.
    expect(resolveCropSource(state, 'gk', 50, 45, 55).used).toBe('gk');
    maskCache.delete('gk-5');
    maskCache.delete('internal-all');
  });
});
