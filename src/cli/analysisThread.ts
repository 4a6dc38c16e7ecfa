/**
 * The command line's schedule of the analysis, on two threads: the core's
 * stages (core/analysis/stages.ts) with the same results as runAnalysis,
 * except that the internal structures' surface is offered to a worker
 * thread (meshWorker.ts) while this thread runs GK and the lung surface. Those two branches need only
 * the masks and take about the same time, so on two cores the analysis takes
 * about the time of the longer one instead of their sum.
 *
 * The internal structures stay row runs (a few MB, no voxel mask): the job
 * carries a copy of them and a shared claim word (a voxel mask offered to
 * the worker must live in a SharedArrayBuffer, so both threads read it
 * without a copy). Whichever thread claims the job first
 * (Atomics.compareExchange) meshes it. The
 * worker claims it as soon as it gets the message; this thread claims it
 * when it is done with its own branch. So a worker that is still starting,
 * or gets no CPU, never holds the analysis up: the job is then done here, as
 * runAnalysis would. (A worker that has claimed the job is waited for.)
 *
 * The worker is started once per process (startAnalysisThread, called before
 * the folder is read so that its start overlaps the reading) and kept for
 * later analyses; it never keeps the process alive while idle. It is the
 * built meshWorker.js next to the bundle, or meshWorker.ts loaded through
 * tsx when the command line runs from its sources (workerEntry.ts). When no
 * worker can be had (tsx not found, LUNGVIEW_THREADS=1, the worker failed),
 * everything runs on this thread.
 */
import { Worker } from 'node:worker_threads';
import { resolveAnalysisParams, type AnalysisParamsInput, type SurfaceStageParams } from '../core/analysis/analysisParams';
import { internalMeshSource } from '../core/analysis/internalMask';
import { assembleAnalysisResult, lungSurfaceSource, timed, type AnalysisResult } from '../core/analysis/runAnalysis';
import { surfaceStage } from '../core/analysis/surfaceStage';
import { densitometryStage, gkStage, inclusiveStage, internalStage, measuredLungRuns, nowMs, segmentStage, splitStage } from '../core/analysis/stages';
import type { MeshSource, Surface } from '../core/mesh/surface';
import type { RunSet } from '../core/segmentation/runs';
import type { Volume } from '../core/volume/volume';
import { CLAIM_CALLER, CLAIM_FREE, type MeshJob, type MeshReply } from './meshJob';
import { workerEntry, type WorkerEntry } from './workerEntry';

interface Pending {
  resolve(r: Surface | null): void;
  reject(e: Error): void;
}

class MeshThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  failed: Error | null = null;

  constructor(entry: WorkerEntry) {
    this.worker = new Worker(entry.source, { eval: entry.eval });
    this.worker.on('message', (m: MeshReply | { ready: true }) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (!m.ok) p.reject(new Error(`mesh thread: ${m.error}`));
      else p.resolve('skipped' in m ? null : m.result);
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`mesh thread exited (${code})`)));
    // Only after the listeners: adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  /**
   * Offers the job to the worker; the promise gives its mesh, or null when
   * the worker found the job claimed by the caller. A voxel mask's data must
   * live in a SharedArrayBuffer (it is shared, not copied); runs are copied.
   */
  offer(source: MeshSource, params: SurfaceStageParams, claim: Int32Array): Promise<Surface | null> {
    const id = this.nextId++;
    let job: MeshJob;
    let transfer: ArrayBuffer[] = [];
    if ('runs' in source) {
      // The caller keeps its runs (the result holds them), so the worker gets
      // a copy of their used part (a few MB at most; the run arrays have
      // spare capacity that is not copied), moved rather than cloned again.
      const r = source.runs;
      const rowStart = r.rowStart.slice();
      const x0 = r.x0.slice(0, r.count);
      const x1 = r.x1.slice(0, r.count);
      const value = r.value?.slice(0, r.count) ?? null;
      const runs: RunSet = { nx: r.nx, ny: r.ny, nz: r.nz, count: r.count, rowStart, x0, x1, value };
      job = { id, source: { runs, geometry: source.geometry }, params, claim };
      transfer = [rowStart.buffer, x0.buffer, x1.buffer];
      if (value) transfer.push(value.buffer);
    } else {
      job = { id, source, params, claim };
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(job, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let thread: MeshThread | null = null;

function threadsWanted(): boolean {
  return process.env.LUNGVIEW_THREADS !== '1';
}

/**
 * Starts the mesh worker if it is not running yet (and threads are wanted);
 * true when a worker is running or starting.
 */
export function startAnalysisThread(): boolean {
  if (thread) return !thread.failed; // a worker that failed once is not tried again
  if (!threadsWanted()) return false;
  const entry = workerEntry('meshWorker');
  if (!entry) return false;
  thread = new MeshThread(entry);
  return true;
}

/** 'running' once a worker was started (or is starting), 'failed' when it failed, 'none' before any or after stopAnalysisThread. */
export function analysisThreadStatus(): 'none' | 'running' | 'failed' {
  return thread === null ? 'none' : thread.failed ? 'failed' : 'running';
}

/** Stops the worker (tests; a process that ends needs not call it). */
export async function stopAnalysisThread(): Promise<void> {
  const t = thread;
  thread = null;
  if (t) await t.terminate();
}

/**
 * Offers a mask (voxels in a SharedArrayBuffer, or row runs) to the worker
 * for meshing under the given claim word; null when there is no worker. The
 * promise gives the worker's mesh, or null when the claim was taken by
 * someone else first (or the worker failed).
 */
export function offerMeshJob(source: MeshSource, params: SurfaceStageParams, claim: Int32Array): Promise<Surface | null> | null {
  if (!thread || thread.failed) return null;
  if (!('runs' in source) && !(source.data.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError('a voxel mask offered to the mesh thread must live in a SharedArrayBuffer');
  }
  return thread.offer(source, params, claim).catch(() => null);
}

/** Who meshed the internal structures in the last runAnalysisThreaded call (diagnostics: the benchmark reports it). */
export let lastInternalMeshBy: 'worker' | 'caller' = 'caller';

/**
 * runAnalysis with the internal structures' marching cubes offered to the
 * worker thread (started here if startAnalysisThread was not called). Same
 * stages, same results; timings as runAnalysis reports them, each stage
 * timed on the thread that ran it, `total` the wall time.
 */
export async function runAnalysisThreaded(volume: Volume, input: AnalysisParamsInput = {}): Promise<AnalysisResult> {
  const params = resolveAnalysisParams(input);
  const t0 = nowMs();
  const useThread = startAnalysisThread();
  const seg = segmentStage(volume, { ...params, withMasks: true });
  const [inner, internalMs] = timed(() => internalStage(volume, seg.runs));
  const internalSource = internalMeshSource(inner.internal);
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const offered = useThread ? offerMeshJob(internalSource, params.mesh, claim) : null;
  const [gk, gkMs] = timed(() => gkStage(volume, seg.runs.fill, params.gk));
  const inclusive = params.lungMask === 'inclusive' ? inclusiveStage(volume, seg.runs.fill, params.inclusive) : null;
  const measured = measuredLungRuns(params.lungMask, seg.runs, inclusive);
  const meshLung = surfaceStage(lungSurfaceSource(params, seg, measured, volume), params.mesh, { volume: false });
  let meshInternal: Surface | null = null;
  if (Atomics.compareExchange(claim, 0, CLAIM_FREE, CLAIM_CALLER) === CLAIM_FREE) {
    lastInternalMeshBy = 'caller';
  } else {
    lastInternalMeshBy = 'worker';
    // The worker took the job; a worker that fails after that leaves it to this thread.
    meshInternal = await (offered ?? Promise.resolve(null));
  }
  if (meshInternal === null) {
    lastInternalMeshBy = 'caller';
    meshInternal = surfaceStage(internalSource, params.mesh, { volume: false });
  }
  const [split, splitMs] = params.split ? timed(() => splitStage(volume, measured, { withLabels: params.densitometry !== null })) : [null, 0];
  const [dens, densMs] = params.densitometry ? timed(() => densitometryStage(volume, split, params.densitometry!)) : [null, 0];
  return assembleAnalysisResult(volume, params, { seg, inner, internalMs, gk, gkMs, inclusive, meshLung, meshInternal, split, splitMs, densitometry: dens, densitometryMs: densMs }, nowMs() - t0);
}
