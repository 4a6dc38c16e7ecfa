/** What crosses the boundary to the mesh level-of-detail worker (types only). */
import type { Mesh } from '../core/mesh/mesh';

export interface MeshLodResult {
  /** The coarse mesh (patient LPS mm). */
  mesh: Mesh;
  /** RGB per vertex of `mesh` by height (RdBu, low = red). */
  heightColors: Float32Array;
  computeMs: number;
}

export interface MeshLodWorkerApi {
  /** A copy of `mesh` with at most `maxTriangles` triangles (core decimateForDisplay). */
  coarseMesh(mesh: Mesh, maxTriangles: number): Promise<MeshLodResult>;
}
