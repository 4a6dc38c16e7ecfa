import type { ExportMesh } from '../../../src/core/io/exportMesh';

/** A closed, outward-oriented tetrahedron with per-vertex normals, in mm. */
export function tetrahedron(): Required<ExportMesh> {
  const positionsMm = new Float32Array([10, 20, 30, 15.5, 20, 30, 10, 27.25, 30, 10, 20, 42.125]);
  const indices = new Uint32Array([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);
  const normals = new Float32Array(12);
  const centroid = [11.375, 21.8125, 33.03125];
  for (let i = 0; i < 4; i++) {
    const d = [0, 1, 2].map((k) => positionsMm[3 * i + k] - centroid[k]);
    const l = Math.hypot(d[0], d[1], d[2]);
    for (let k = 0; k < 3; k++) normals[3 * i + k] = d[k] / l;
  }
  return { positionsMm, indices, normals };
}
