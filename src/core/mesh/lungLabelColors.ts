/**
 * Right lung, left lung and airway in their own colours: the colours the 2D
 * overlay, the 3D surface and the legends share, and the colour of each
 * vertex of a lung surface by the label of the lung just inside it.
 *
 * Vertex label: the label array's value (through `labelOf`, a 256-entry
 * table from label byte to 0 none / 1 right / 2 left / 3 airway) at the
 * nearest voxel of the points 0.5, 1, 1.5 and 2 mm inside the surface along
 * the negative (outward) normal, then at the vertex itself and 0.5 mm
 * outside; the first labelled one wins (a surface vertex lies between a
 * labelled and an unlabelled voxel, so the inward samples decide; the
 * others catch thin parts). No labelled sample: grey (NO_LABEL_RGB).
 * Positions (LPS mm) go to voxel indices through the inverse of the
 * geometry (volume.ts patientMmToVoxelFn), so any stack orientation works.
 *
 * Cost: one pass over the vertices, at most six label reads each; output
 * 3 Float32 per vertex.
 */
import type { Vec3, VolumeGeometry } from '../volume/volume';
import { hexToUnitRgb, voxelInsideFn } from './densityColors';
import type { Mesh } from './mesh';

export type LungSide = 'right' | 'left' | 'airway';
export const LUNG_SIDES: readonly LungSide[] = ['right', 'left', 'airway'];

/** Name (as the legends say it) and colour of each label. */
export const LUNG_SIDE_STYLE: Record<LungSide, { name: string; color: string }> = {
  right: { name: 'right lung', color: '#ff8c1a' },
  left: { name: 'left lung', color: '#1fb4c7' },
  airway: { name: 'airway', color: '#d94cff' },
};

/** Label codes of `labelOf`'s table. */
export const SIDE_CODE: Record<LungSide, number> = { right: 1, left: 2, airway: 3 };

/** RGB (0..1) of a vertex with no label near it. */
export const NO_LABEL_RGB: Vec3 = [0.6, 0.6, 0.6];

/** Depths (mm, positive = inside) at which the label is read, in order. */
export const LABEL_SAMPLE_DEPTHS_MM: readonly number[] = [0.5, 1, 1.5, 2, 0, -0.5];

/** Label code (0 none, SIDE_CODE) of each vertex of `mesh` in `labels` (one byte per voxel on grid `g`), read through `labelOf`. */
export function vertexLungSides(mesh: Pick<Mesh, 'positionsMm' | 'normals'>, g: VolumeGeometry, labels: Uint8Array, labelOf: Uint8Array): Uint8Array {
  const n = mesh.positionsMm.length / 3;
  const out = new Uint8Array(n);
  const inside = voxelInsideFn(mesh, g);
  for (let i = 0; i < n; i++) {
    for (const d of LABEL_SAMPLE_DEPTHS_MM) {
      const k = inside(i, d);
      if (k < 0) continue;
      const c = labelOf[labels[k]];
      if (c !== 0) {
        out[i] = c;
        break;
      }
    }
  }
  return out;
}

/** RGB per vertex (3 per vertex, in [0, 1]) by the label of the lung just inside the surface (LUNG_SIDE_STYLE colours). */
export function lungSideColors(mesh: Pick<Mesh, 'positionsMm' | 'normals'>, g: VolumeGeometry, labels: Uint8Array, labelOf: Uint8Array): Float32Array {
  const codes = vertexLungSides(mesh, g, labels, labelOf);
  const palette: Vec3[] = [NO_LABEL_RGB, ...LUNG_SIDES.map((s) => hexToUnitRgb(LUNG_SIDE_STYLE[s].color))];
  const out = new Float32Array(codes.length * 3);
  for (let i = 0; i < codes.length; i++) {
    const c = palette[codes[i]];
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return out;
}
