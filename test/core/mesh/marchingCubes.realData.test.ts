/**
 * Marching cubes on the reference masks of the three real series, against
 * scikit-image's Lewiner marching cubes as run by the reference pipeline.
 *
 * The reference masks are in the reference's slice order (InstanceNumber,
 * i.e. reversed z) and the reference meshes a transposed, z-flipped copy;
 * counts and areas do not depend on either. Vertex means are compared in the
 * reference's (x, y, nz - 1 - z) frame.
 */
import { expect, it } from 'vitest';
import { cubeLoops } from '../../../src/core/mesh/marchingCubesTables';
import { cropMask } from '../../../src/core/mesh/cropMask';
import { marchingCubes, marchingCubesOfRuns } from '../../../src/core/mesh/marchingCubes';
import { runsFromMask } from '../../../src/core/segmentation/runs';
import { meshAreaMm2, meshVolumeMl } from '../../../src/core/mesh/mesh';
import type { Mask } from '../../../src/core/volume/volume';
import { describeWithRealData, readReferenceMask, readReferenceSummary, REAL_SERIES } from '../../helpers/sharedData';
import { CLOSED, makeMask, topology } from './meshChecks';

/**
 * Where Lewiner's table differs from ours on 0/1 data: in the 24 configurations
 * whose faces give one 3-point and one 4-point loop it joins them by a tunnel
 * around an extra vertex at the cube centre (9 triangles instead of 3), and in
 * the 8 configurations with a 3-point and a 6-point loop by a tunnel without
 * extra vertex (9 triangles instead of 5). Every other configuration has the
 * same vertices and number of triangles.
 */
const LEWINER_EXTRA_VERTICES = new Uint8Array(256);
const LEWINER_EXTRA_FACES = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const sizes = cubeLoops(c).map((l) => l.length).sort((a, b) => a - b).join(',');
  if (sizes === '3,4') {
    LEWINER_EXTRA_VERTICES[c] = 1;
    LEWINER_EXTRA_FACES[c] = 6;
  } else if (sizes === '3,6') {
    LEWINER_EXTRA_FACES[c] = 4;
  }
}

/** Lewiner's extra vertices and faces over all (unpadded) cubes, and the sum of the extra vertices' positions. */
function lewinerExtras(mask: Mask) {
  const { nx, ny, nz, data } = mask;
  const nxy = nx * ny;
  let vertices = 0, faces = 0, sx = 0, sy = 0, sz = 0;
  for (let z = 0; z < nz - 1; z++) for (let y = 0; y < ny - 1; y++) {
    const o = y * nx + z * nxy;
    for (let x = 0; x < nx - 1; x++) {
      const i = o + x;
      const c = data[i] | (data[i + 1] << 1) | (data[i + nx] << 2) | (data[i + nx + 1] << 3) |
        (data[i + nxy] << 4) | (data[i + nxy + 1] << 5) | (data[i + nxy + nx] << 6) | (data[i + nxy + nx + 1] << 7);
      if (c === 0 || c === 255) continue;
      faces += LEWINER_EXTRA_FACES[c];
      if (LEWINER_EXTRA_VERTICES[c]) {
        vertices++;
        sx += x + 0.5; sy += y + 0.5; sz += z + 0.5;
      }
    }
  }
  return { vertices, faces, sum: [sx, sy, sz] };
}

/** Byte-for-byte equality of two arrays (toEqual walks millions of elements slowly). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describeWithRealData('marchingCubes on the reference masks (vs scikit-image Lewiner)', () => {
  for (const name of REAL_SERIES) {
    for (const which of ['lung_fill', 'internal'] as const) {
      it(`${name} ${which}: area within 2 % of the reference, counts equal up to Lewiner's tunnels, same vertex mean`, () => {
        const ref = readReferenceSummary(name);
        const [nz, ny, nx] = ref.dims_zyx;
        const [spz, spy, spx] = ref.spacing_mm_zyx;
        const mask = makeMask(nx, ny, nz, readReferenceMask(name, which, nx * ny * nz), [spx, spy, spz]);
        const expected = ref.marching_cubes[which] as { vertices: number; faces: number; area_mm2: number; vertex_mean_voxel_units: number[] };

        const closed = marchingCubes(mask);
        const open = marchingCubes(mask, { closeBorders: false });
        // From the mask's runs (as the analysis worker meshes): the same surface, array for array.
        const fromRuns = marchingCubesOfRuns(runsFromMask(mask.data, mask), mask);
        expect(sameBytes(fromRuns.indices, closed.indices)).toBe(true);
        expect(sameBytes(fromRuns.positionsMm, closed.positionsMm)).toBe(true);
        expect(Math.abs(meshAreaMm2(closed) / expected.area_mm2 - 1)).toBeLessThan(0.02);
        expect(Math.abs(meshAreaMm2(open) / expected.area_mm2 - 1)).toBeLessThan(0.02);

        // Without padding our vertices are Lewiner's minus its centre vertices, and our
        // faces are its faces minus the extra faces of its tunnels: exactly.
        const extra = lewinerExtras(mask);
        const nv = open.positionsMm.length / 3;
        expect(nv + extra.vertices).toBe(expected.vertices);
        expect(open.indices.length / 3 + extra.faces).toBe(expected.faces);

        // Same vertex positions: the mean of ours plus Lewiner's centre vertices is its mean.
        const s = [0, 0, 0];
        const p = open.positionsMm;
        for (let i = 0; i < p.length; i += 3) {
          s[0] += p[i] / spx; s[1] += p[i + 1] / spy; s[2] += p[i + 2] / spz;
        }
        const mean = [0, 1, 2].map((k) => (s[k] + extra.sum[k]) / expected.vertices);
        // The reference means were accumulated in float32 (numpy's mean over axis 0 of a
        // float32 array), which is off by up to ~0.1 voxel; in float64 scikit-image's vertices
        // give our mean to 1e-6 voxel (checked once by hand on lung-pet-ct-dx internal).
        const refMean = expected.vertex_mean_voxel_units;
        expect(Math.abs(mean[0] - refMean[0])).toBeLessThan(0.25);
        expect(Math.abs(mean[1] - refMean[1])).toBeLessThan(0.25);
        expect(Math.abs(nz - 1 - mean[2] - refMean[2])).toBeLessThan(0.25);

        if (which === 'lung_fill') {
          // A closed lung surface encloses the voxels' volume.
          const voxelsMl = (ref.voxel_counts.lung_fill * spx * spy * spz) / 1000;
          expect(Math.abs(meshVolumeMl(closed) / voxelsMl - 1)).toBeLessThan(0.01);
          // Sampling every second voxel: under a third of the triangles, a similar surface.
          const coarse = marchingCubes(mask, { stepSize: 2 });
          expect(coarse.indices.length).toBeLessThan(0.3 * closed.indices.length);
          expect(Math.abs(meshAreaMm2(coarse) / meshAreaMm2(closed) - 1)).toBeLessThan(0.15);
          expect(Math.abs(meshVolumeMl(coarse) / meshVolumeMl(closed) - 1)).toBeLessThan(0.01);
        }
        if (name === 'lung-pet-ct-dx-a0001' && which === 'internal') {
          expect(topology(closed)).toEqual(CLOSED);
        }
      });
    }

    it(`${name}: the tutorial crop of the five GK images has the reference's ones and mesh counts`, () => {
      const ref = readReferenceSummary(name);
      const [, ny, nx] = ref.dims_zyx;
      const crop = ref.crop as { centroid: number[]; r: number; shape: number[]; ones: number; mesh_vertices: number; mesh_faces: number };
      const gk = makeMask(nx, ny, 5, readReferenceMask(name, 'gk', 5 * ny * nx));
      const [row, col] = crop.centroid;
      const res = cropMask(gk, { centre: { x: col, y: row, z: 2 }, radiusVoxels: crop.r, halfSlices: 2 }, { closeBorders: false });
      expect([res.cropped.nz, res.cropped.ny, res.cropped.nx]).toEqual(crop.shape);
      expect(res.cropped.data.reduce((a, v) => a + v, 0)).toBe(crop.ones);
      const extra = lewinerExtras(res.cropped);
      expect(res.mesh.positionsMm.length / 3 + extra.vertices).toBe(crop.mesh_vertices);
      expect(res.mesh.indices.length / 3 + extra.faces).toBe(crop.mesh_faces);
    });
  }
});
