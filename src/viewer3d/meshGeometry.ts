/**
 * three.js geometry over the mesh buffers that come from the workers: the
 * Float32Array / Uint32Array of the core Mesh become the attribute arrays
 * themselves (no copy on the JavaScript side; WebGL uploads them once).
 */
import { BufferAttribute, BufferGeometry } from 'three';
import type { Mesh } from '../core/mesh/mesh';

/** An indexed BufferGeometry sharing the arrays of `mesh` (positions stay in LPS mm). */
export function geometryFromMesh(mesh: Mesh): BufferGeometry {
  const g = new BufferGeometry();
  g.setAttribute('position', new BufferAttribute(mesh.positionsMm, 3));
  if (mesh.normals.length === mesh.positionsMm.length) g.setAttribute('normal', new BufferAttribute(mesh.normals, 3));
  g.setIndex(new BufferAttribute(mesh.indices, 1));
  g.computeBoundingSphere();
  return g;
}

/** Sets (or replaces) the per-vertex RGB colours; the array is used as is. */
export function setVertexColors(g: BufferGeometry, rgb: Float32Array): void {
  g.setAttribute('color', new BufferAttribute(rgb, 3));
}

export function geometryTriangles(g: BufferGeometry): number {
  const index = g.getIndex();
  return index ? index.count / 3 : g.getAttribute('position').count / 3;
}
