/**
 * Colour per vertex by the HU class (densitometry classes, huClassLut.ts)
 * of the tissue just inside the surface: for each vertex, the HU is read at
 * the nearest voxel of the points 1, 1.5 and 2 mm inside along the negative
 * (outward) normal, the median of those inside the volume is classed, and
 * the vertex gets that class's colour. Reading inside rather than at the
 * vertex matters: a lung surface lies on the boundary between lung and the
 * chest wall, where the HU jumps. A vertex whose samples all fall outside
 * the volume, or in no class, is grey (NO_CLASS_RGB).
 *
 * Positions (LPS mm) go to voxel indices through the inverse of the volume
 * geometry (volume.ts patientMmToVoxelFn), so any stack orientation works.
 *
 * Cost: one pass over the vertices, three HU reads each; output 3 Float32
 * per vertex.
 */
import { huClassIndex, huClassStyle, type HuClassLut } from '../density/huClassLut';
import { patientMmToVoxelFn, type Vec3, type Volume, type VolumeGeometry } from '../volume/volume';
import type { Mesh } from './mesh';

/** Depths (mm) inside the surface at which the HU is read. */
export const DENSITY_SAMPLE_DEPTHS_MM: readonly number[] = [1, 1.5, 2];
/** RGB (0..1) of a vertex in no class. */
export const NO_CLASS_RGB: Vec3 = [0.6, 0.6, 0.6];

/** '#rrggbb' as RGB in [0, 1]. */
export function hexToUnitRgb(css: string): Vec3 {
  const v = parseInt(css.slice(1, 7), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

/**
 * A function giving the index (x + y*nx + z*nx*ny) of the voxel nearest to
 * the point `depthMm` inside vertex `vertex` of `mesh` (along the negative
 * normal), or -1 outside the grid `g`.
 */
export function voxelInsideFn(mesh: Pick<Mesh, 'positionsMm' | 'normals'>, g: VolumeGeometry): (vertex: number, depthMm: number) => number {
  const { positionsMm: p, normals: nrm } = mesh;
  const toVoxel = patientMmToVoxelFn(g);
  const { nx, ny, nz } = g;
  const q: Vec3 = [0, 0, 0];
  const v: Vec3 = [0, 0, 0];
  return (vertex, d) => {
    const o = vertex * 3;
    q[0] = p[o] - nrm[o] * d;
    q[1] = p[o + 1] - nrm[o + 1] * d;
    q[2] = p[o + 2] - nrm[o + 2] * d;
    toVoxel(q, 0, v);
    const x = Math.round(v[0]), y = Math.round(v[1]), z = Math.round(v[2]);
    if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) return -1;
    return x + y * nx + z * nx * ny;
  };
}

/** Class index (−1 = none) of each vertex of `mesh` in `volume`. */
export function vertexHuClasses(mesh: Pick<Mesh, 'positionsMm' | 'normals'>, volume: Volume, lut: HuClassLut): Int8Array {
  const n = mesh.positionsMm.length / 3;
  const out = new Int8Array(n);
  const inside = voxelInsideFn(mesh, volume);
  const { hu } = volume;
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    samples.length = 0;
    for (const d of DENSITY_SAMPLE_DEPTHS_MM) {
      const k = inside(i, d);
      if (k >= 0) samples.push(hu[k]);
    }
    if (samples.length === 0) {
      out[i] = -1;
      continue;
    }
    samples.sort((a, b) => a - b);
    const m = samples.length;
    const median = m % 2 ? samples[(m - 1) >> 1] : Math.floor((samples[m / 2 - 1] + samples[m / 2]) / 2);
    out[i] = huClassIndex(lut, median);
  }
  return out;
}

/** RGB per vertex (Float32Array, 3 per vertex, in [0, 1]) by the HU class just inside the surface. */
export function densityClassColors(mesh: Pick<Mesh, 'positionsMm' | 'normals'>, volume: Volume, lut: HuClassLut): Float32Array {
  const classes = vertexHuClasses(mesh, volume, lut);
  const palette = lut.classes.map((c) => hexToUnitRgb(huClassStyle(c.name).color));
  const out = new Float32Array(classes.length * 3);
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i] < 0 ? NO_CLASS_RGB : palette[classes[i]];
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return out;
}
