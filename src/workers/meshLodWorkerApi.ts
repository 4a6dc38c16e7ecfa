/**
 * The function the level-of-detail worker exposes: a coarse copy of a
 * display mesh (vertex clustering, core decimateForDisplay) that the 3D view
 * draws while it is being rotated, with its height colours; buffers are
 * transferred back.
 */
import * as Comlink from 'comlink';
import { decimateForDisplay } from '../core/mesh/decimateForDisplay';
import { heightColors } from '../core/mesh/heightColors';
import type { Mesh } from '../core/mesh/mesh';
import type { MeshLodResult, MeshLodWorkerApi } from './meshLodApi';

/** The coarse mesh (pure; also called directly in tests). */
export function coarseMesh(mesh: Mesh, maxTriangles: number): MeshLodResult {
  const t0 = performance.now();
  const r = decimateForDisplay(mesh, maxTriangles);
  return { mesh: r.mesh, heightColors: heightColors(r.mesh, 'z'), computeMs: performance.now() - t0 };
}

export const meshLodWorkerApi: MeshLodWorkerApi = {
  async coarseMesh(mesh, maxTriangles) {
    const r = coarseMesh(mesh, maxTriangles);
    const buffers = [r.mesh.positionsMm, r.mesh.indices, r.mesh.normals, r.heightColors]
      .filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength)
      .map((a) => a.buffer as ArrayBuffer);
    return Comlink.transfer(r, [...new Set(buffers)]);
  },
};
