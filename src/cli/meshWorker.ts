/**
 * Worker thread of the command line's analysis (analysisThread.ts; the
 * messages are in meshJob.ts): runs GK and the trust check's lung-field
 * measures (core/analysis/stages.ts gkStage, lungFieldStage) on the shared
 * HU and meshes the masks it is offered with the core's surface
 * stage (core/analysis/surfaceStage.ts), each if it claims the job before
 * the analysis thread does (an Atomics compare-and-exchange on the job's
 * shared claim word). A voxel mask is read
 * from shared memory, runs arrive moved; the mesh goes back as transferred
 * buffers. It also draws GK's seeded start (GkStartJob) when asked, keeps
 * it for its own GK job and hands a copy to the analysis thread, which
 * would otherwise draw it itself if it runs GK.
 *
 * Loads the mesh code, GK and the random draws; the caller starts it before
 * reading the folder, so its start-up overlaps the reading.
 */
import { parentPort } from 'node:worker_threads';
import { fillHu } from './huFill';
import { surfaceStage } from '../core/analysis/surfaceStage';
import { gkStage, lungFieldStage } from '../core/analysis/stages';
import { cachedDirichletOnes } from '../core/random/dirichlet';
import { CLAIM_FREE, CLAIM_WORKER, type GkStartJob, type HuFillJob, type HuFillReply, type HuStagesJob, type HuStagesReply, type GkStartReply, type MeshJob, type MeshReply } from './meshJob';

function buffersOf(...arrays: ArrayBufferView[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) out.add(a.buffer as ArrayBuffer);
  return [...out];
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.stack ?? e.message : String(e);
}

const port = parentPort;
if (!port) throw new Error('meshWorker.ts runs as a worker thread');

/** Claims a job for this thread; false when the caller took it first. */
function claimed(job: { claim: Int32Array }): boolean {
  return Atomics.compareExchange(job.claim, 0, CLAIM_FREE, CLAIM_WORKER) === CLAIM_FREE;
}

function runHuStages(job: HuStagesJob): void {
  if (!claimed(job)) {
    port!.postMessage({ kind: 'huStages', id: job.id, ok: true, skipped: true } satisfies HuStagesReply);
    return;
  }
  try {
    const t0 = performance.now();
    const gk = gkStage(job.volume, job.fill, job.gk);
    const t1 = performance.now();
    const field = lungFieldStage(job.volume, job.fill, job.thresholdHu);
    const result = { gk, gkMs: t1 - t0, field, fieldMs: performance.now() - t1 };
    port!.postMessage({ kind: 'huStages', id: job.id, ok: true, result } satisfies HuStagesReply, [gk.mask.buffer as ArrayBuffer]);
  } catch (e) {
    port!.postMessage({ kind: 'huStages', id: job.id, ok: false, error: errorText(e) } satisfies HuStagesReply);
  }
}

port.on('message', (job: MeshJob | GkStartJob | HuStagesJob | HuFillJob) => {
  if ('kind' in job) {
    if (job.kind === 'huFill') {
      try {
        for (const t of job.tasks) fillHu(t);
        port.postMessage({ kind: 'huFill', id: job.id, ok: true, result: true } satisfies HuFillReply);
      } catch (e) {
        port.postMessage({ kind: 'huFill', id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies HuFillReply);
      }
      return;
    }
    if (job.kind === 'huStages') {
      runHuStages(job);
      return;
    }
    // Kept here for a GK job to come; the caller gets a copy in case it runs GK itself.
    const values = cachedDirichletOnes(job.seed, job.n, job.rows).slice();
    port.postMessage({ kind: 'gkStart', seed: job.seed, n: job.n, rows: job.rows, values } satisfies GkStartReply, [values.buffer as ArrayBuffer]);
    return;
  }
  if (!claimed(job)) {
    port.postMessage({ id: job.id, ok: true, skipped: true } satisfies MeshReply);
    return;
  }
  try {
    const result = surfaceStage(job.source, job.params, { volume: false });
    const m = result.full;
    port.postMessage({ id: job.id, ok: true, result } satisfies MeshReply, m ? buffersOf(m.positionsMm, m.indices, m.normals) : []);
  } catch (e) {
    port.postMessage({ id: job.id, ok: false, error: errorText(e) } satisfies MeshReply);
  }
});
port.postMessage({ ready: true });
