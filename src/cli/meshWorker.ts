/**
 * Worker thread of the command line's analysis (analysisThread.ts; the
 * messages are in meshJob.ts): meshes the masks it is offered with the
 * core's surface stage (core/analysis/surfaceStage.ts)
 * if it claims the job before the analysis thread does (an Atomics
 * compare-and-exchange on the job's shared claim word). A voxel mask is read
 * from shared memory, runs arrive moved; the mesh goes back as transferred
 * buffers. It also draws GK's seeded start (GkStartJob) when asked, which
 * the analysis thread would otherwise draw itself.
 *
 * Loads only the mesh code and the random draws, so the thread is up
 * quickly; the caller starts it before reading the folder.
 */
import { parentPort } from 'node:worker_threads';
import { surfaceStage } from '../core/analysis/surfaceStage';
import { dirichletOnes } from '../core/random/dirichlet';
import { Mt19937 } from '../core/random/mt19937';
import { CLAIM_FREE, CLAIM_WORKER, type GkStartJob, type GkStartReply, type MeshJob, type MeshReply } from './meshJob';

function buffersOf(...arrays: ArrayBufferView[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) out.add(a.buffer as ArrayBuffer);
  return [...out];
}

const port = parentPort;
if (!port) throw new Error('meshWorker.ts runs as a worker thread');

port.on('message', (job: MeshJob | GkStartJob) => {
  if ('kind' in job) {
    const values = dirichletOnes(new Mt19937(job.seed), job.n, job.rows);
    port.postMessage({ kind: 'gkStart', seed: job.seed, n: job.n, rows: job.rows, values } satisfies GkStartReply, [values.buffer as ArrayBuffer]);
    return;
  }
  if (Atomics.compareExchange(job.claim, 0, CLAIM_FREE, CLAIM_WORKER) !== CLAIM_FREE) {
    port.postMessage({ id: job.id, ok: true, skipped: true } satisfies MeshReply);
    return;
  }
  try {
    const result = surfaceStage(job.source, job.params, { volume: false });
    const m = result.full;
    port.postMessage({ id: job.id, ok: true, result } satisfies MeshReply, m ? buffersOf(m.positionsMm, m.indices, m.normals) : []);
  } catch (e) {
    port.postMessage({ id: job.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies MeshReply);
  }
});
port.postMessage({ ready: true });
