/**
 * Runs coarse-mesh jobs in one lazily spawned module worker, one job at a
 * time in call order (Comlink queues the calls). The mesh is copied into
 * the worker (the view keeps drawing the original); the result comes back
 * transferred.
 */
import * as Comlink from 'comlink';
import type { Mesh } from '../core/mesh/mesh';
import type { MeshLodResult, MeshLodWorkerApi } from './meshLodApi';

let worker: Worker | null = null;
let remote: Comlink.Remote<MeshLodWorkerApi> | null = null;

export function coarseMeshInWorker(mesh: Mesh, maxTriangles: number): Promise<MeshLodResult> {
  if (!remote) {
    worker = new Worker(new URL('./meshLod.worker.ts', import.meta.url), { type: 'module', name: 'mesh-lod' });
    remote = Comlink.wrap<MeshLodWorkerApi>(worker);
  }
  return remote.coarseMesh(mesh, maxTriangles);
}

/** Stops the worker (the next job spawns a new one). */
export function terminateMeshLodWorker(): void {
  remote?.[Comlink.releaseProxy]();
  worker?.terminate();
  remote = null;
  worker = null;
}
