/**
 * Coarse copies of large display meshes for dragging, made in the
 * level-of-detail worker once per mesh (remembered while the mesh lives, so
 * reopening the 3D view does not make them again).
 */
import type { Mesh } from '../../core/mesh/mesh';
import type { MeshInput } from '../../viewer3d/sceneContent';
import { coarseMeshInWorker } from '../../state/services';

const made = new WeakMap<Mesh, Promise<MeshInput>>();

export function coarseMesh(mesh: Mesh, maxTriangles: number): Promise<MeshInput> {
  let p = made.get(mesh);
  if (!p) {
    p = coarseMeshInWorker(mesh, maxTriangles).then((r) => ({ mesh: r.mesh, heightColors: r.heightColors }));
    p.catch(() => made.delete(mesh));
    made.set(mesh, p);
  }
  return p;
}
