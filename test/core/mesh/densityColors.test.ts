import { describe, expect, it } from 'vitest';
import { DEFAULT_HU_CLASSES } from '../../../src/core/analysis/densitometry';
import { defaultHuClassLut, huClassStyle } from '../../../src/core/density/huClassLut';
import { densityClassColors, NO_CLASS_RGB, vertexHuClasses } from '../../../src/core/mesh/densityColors';
import { marchingCubes } from '../../../src/core/mesh/marchingCubes';
import { patientMmToVoxelFn, voxelToPatientMm, type Vec3, type Volume, type VolumeGeometry } from '../../../src/core/volume/volume';

const CLASS = (name: string) => DEFAULT_HU_CLASSES.findIndex((c) => c.name === name);

/** A feet-first, slightly rotated stack, so the inverse geometry is exercised. */
function geometry(nx: number, ny: number, nz: number): VolumeGeometry {
  const c = Math.cos(0.3), s = Math.sin(0.3);
  return {
    nx, ny, nz,
    spacingMmXyz: [0.8, 0.9, 1.5],
    originMm: [-20, 12, 300],
    directionXyz: [[c, s, 0], [-s, c, 0], [0, 0, -1]],
  };
}

/**
 * A box of "lung" inside soft tissue (40 HU, the vessels class): its half of
 * lower x at −980 HU (emphysema), the other half at −600 HU (infiltrated).
 */
function phantom() {
  const nx = 40, ny = 30, nz = 24;
  const g = geometry(nx, ny, nz);
  const hu = new Int16Array(nx * ny * nz).fill(40);
  const mask = new Uint8Array(nx * ny * nz);
  for (let z = 4; z < 20; z++) for (let y = 5; y < 25; y++) for (let x = 5; x < 35; x++) {
    const i = x + y * nx + z * nx * ny;
    mask[i] = 1;
    hu[i] = x < 20 ? -980 : -600;
  }
  const volume: Volume = { ...g, hu };
  return { volume, mesh: marchingCubes({ ...g, data: mask }) };
}

describe('patientMmToVoxelFn', () => {
  it('inverts voxelToPatientMm on a rotated feet-first stack', () => {
    const g = geometry(10, 10, 10);
    const inv = patientMmToVoxelFn(g);
    for (const v of [[0, 0, 0], [3.5, 7, 2], [9, 0.25, 8]] as Vec3[]) {
      const back = inv(voxelToPatientMm(g, ...v));
      for (let k = 0; k < 3; k++) expect(back[k]).toBeCloseTo(v[k], 9);
    }
  });
});

describe('densityClassColors', () => {
  it('colours each half of the surface by the class of the HU just inside it', () => {
    const { volume, mesh } = phantom();
    const classes = vertexHuClasses(mesh, volume, defaultHuClassLut());
    const inv = patientMmToVoxelFn(volume);
    let left = 0, right = 0;
    for (let i = 0; i < classes.length; i++) {
      const x = inv(mesh.positionsMm, i * 3)[0];
      // Away from the seam between the halves (2 mm of reach ≈ 2.5 voxels).
      if (x < 17) {
        expect(classes[i], `vertex ${i} at x ${x.toFixed(2)}`).toBe(CLASS('emphysema'));
        left++;
      } else if (x > 23) {
        expect(classes[i], `vertex ${i} at x ${x.toFixed(2)}`).toBe(CLASS('infiltrated'));
        right++;
      }
    }
    expect(left).toBeGreaterThan(100);
    expect(right).toBeGreaterThan(100);
  });

  it('gives each vertex its class colour, and grey outside the volume', () => {
    const { volume, mesh } = phantom();
    const rgb = densityClassColors(mesh, volume, defaultHuClassLut());
    const classes = vertexHuClasses(mesh, volume, defaultHuClassLut());
    expect(rgb.length).toBe(mesh.positionsMm.length);
    const hex = (k: number) => {
      const v = parseInt(huClassStyle(DEFAULT_HU_CLASSES[k].name).color.slice(1), 16);
      return [(v >> 16) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
    };
    for (const i of [0, Math.floor(classes.length / 2), classes.length - 1]) {
      const want = hex(classes[i]);
      for (let c = 0; c < 3; c++) expect(rgb[i * 3 + c]).toBeCloseTo(want[c], 6);
    }
    const far = densityClassColors({ positionsMm: Float32Array.from([1e4, 1e4, 1e4]), normals: Float32Array.from([0, 0, 1]) }, volume, defaultHuClassLut());
    expect(Array.from(far)).toEqual(NO_CLASS_RGB.map((c) => Math.fround(c)));
  });
});
