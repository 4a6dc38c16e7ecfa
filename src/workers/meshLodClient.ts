/**
 * Runs coarse-mesh jobs in one lazily spawned module worker, one job at a
 * time in call order (Comlink queues the calls). The mesh is copied into
 * the worker (the view keeps drawing the original); the result comes back
 * transferred. Jobs come in bursts (when surfaces arrive), so the worker is
 * stopped as soon as its last job is done: an idle worker is never
 * garbage-collected and would keep every copy it was sent (tens of MB after
 * an analysis); the next job starts a new one.
 */
import * as Comlink from 'comlink';
import type { Mesh } from '../core/mesh/mesh';
import type { MeshLodResult, MeshLodWorkerApi } from './meshLodApi';

let worker: Worker | null = null;
let remote: Comlink.Remote<MeshLodWorkerApi> | null = null;
let pending = 0;

export async function coarseMeshInWorker(mesh: Mesh, maxTriangles: number): Promise<MeshLodResult> {
  if (!remote) {
    worker = new Worker(new URL('./meshLod.worker.ts', import.meta.url), { type: 'module', name: 'mesh-lod' });
    remote = Comlink.wrap<MeshLodWorkerApi>(worker);
  }
  pending++;
  try {
    return await remote.coarseMesh(mesh, maxTriangles);
  } finally {
    pending--;
    if (pending === 0) terminateMeshLodWorker();
  }
}

/** Stops the worker (the next job spawns a new one). */
function terminateMeshLodWorker(): void {
  remote?.[Comlink.releaseProxy]();
  worker?.terminate();
  remote = null;
  worker = null;
}
