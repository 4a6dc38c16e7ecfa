/**
 * The command line's schedule of the analysis, on two threads: the core's
 * stages (core/analysis/stages.ts) with the same results as runAnalysis,
 * except that the two surfaces are offered to a worker thread
 * (meshWorker.ts): the internal structures' as soon as the masks are made,
 * the lung's as soon as the measured mask is known; this thread meanwhile
 * runs the inclusive mask, GK, the split and densitometry. The split makes
 * runs per label and no label volume (painted only for a file that needs
 * it). The worker also draws GK's seeded start (the
 * numpy-compatible Dirichlet values, the largest part of GK's first run in
 * a process) while this thread reads the folder (requestGkStart).
 *
 * The surfaces go to the worker as row runs (a few MB: the job carries a copy of
 * them) with a shared claim word (a voxel mask offered to the worker must
 * live in a SharedArrayBuffer, so both threads read it without a copy).
 * Whichever thread claims a job first (Atomics.compareExchange) meshes it.
 * The worker claims it as soon as it gets the message; this thread claims
 * it when it is done with its own stages. So a worker that is still
 * starting, or gets no CPU, never holds the analysis up: the job is then
 * done here, as runAnalysis would. (A worker that has claimed a job is
 * waited for.)
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
import { assembleAnalysisResult, timed, type AnalysisResult, type AnyAnalysisResult } from '../core/analysis/runAnalysis';
import { surfaceStage } from '../core/analysis/surfaceStage';
import { densitometryStage, gkStage, inclusiveStage, internalStage, measuredLungRuns, nowMs, segmentStage, splitStage } from '../core/analysis/stages';
import type { MeshSource, Surface } from '../core/mesh/surface';
import type { RunSet } from '../core/segmentation/runs';
import type { Volume } from '../core/volume/volume';
import { hasDirichletOnes, primeDirichletOnes } from '../core/random/dirichlet';
import { CLAIM_CALLER, CLAIM_FREE, type GkStartJob, type GkStartReply, type MeshJob, type MeshReply } from './meshJob';
import { workerEntry, type WorkerEntry } from './workerEntry';

interface Pending {
  resolve(r: Surface | null): void;
  reject(e: Error): void;
}

class MeshThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Keys (seed/n/rows) of the GK starts asked of the worker. */
  private readonly gkStarts = new Set<string>();
  failed: Error | null = null;

  constructor(entry: WorkerEntry) {
    this.worker = new Worker(entry.source, { eval: entry.eval });
    this.worker.on('message', (m: MeshReply | GkStartReply | { ready: true }) => {
      if ('kind' in m) {
        primeDirichletOnes(m.seed, m.n, m.rows, m.values);
        return;
      }
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

  /** Asks the worker to draw GK's start for (seed, n, rows) unless asked before; the answer primes core/random/dirichlet.ts's cache. */
  drawGkStart(seed: number, n: number, rows: number): void {
    const key = `${seed}/${n}/${rows}`;
    if (this.gkStarts.has(key)) return;
    this.gkStarts.add(key);
    this.worker.postMessage({ kind: 'gkStart', seed, n, rows } satisfies GkStartJob);
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

/**
 * Has the worker draw GK's per-slice start for slices of `slicePixels`
 * pixels (the default parameters' seed and clusters unless given), so that
 * GK finds it drawn: the draw (C × nx·ny numpy-compatible Dirichlet values)
 * is the largest part of GK's first run in a process. Nothing happens
 * without a worker, for GK over the whole volume, or when it is drawn already.
 */
export function requestGkStart(gk: { scope: string; seed: number; clusters: number }, slicePixels: number): void {
  if (!thread || thread.failed || gk.scope !== 'slices' || hasDirichletOnes(gk.seed, slicePixels, gk.clusters)) return;
  thread.drawGkStart(gk.seed, slicePixels, gk.clusters);
}

/** Who meshed the internal structures in the last runAnalysisThreaded call (diagnostics: the benchmark reports it). */
export let lastInternalMeshBy: 'worker' | 'caller' = 'caller';

/** A mesh job offered to the worker under its own claim word (no promise without a worker). */
interface OfferedMesh {
  claim: Int32Array;
  promise: Promise<Surface | null> | null;
}

function offer(useThread: boolean, source: MeshSource, params: SurfaceStageParams): OfferedMesh {
  const claim = new Int32Array(new SharedArrayBuffer(4));
  return { claim, promise: useThread ? offerMeshJob(source, params, claim) : null };
}

/**
 * The mesh of an offered job: this thread claims it and meshes `source()`
 * when the worker has not started it, else waits for the worker's (and
 * meshes it here if the worker failed after claiming it).
 */
async function meshOf(job: OfferedMesh, source: () => MeshSource, params: SurfaceStageParams): Promise<[Surface, 'worker' | 'caller']> {
  if (Atomics.compareExchange(job.claim, 0, CLAIM_FREE, CLAIM_CALLER) !== CLAIM_FREE) {
    const m = await (job.promise ?? Promise.resolve(null));
    if (m) return [m, 'worker'];
  }
  return [surfaceStage(source(), params, { volume: false }), 'caller'];
}

/** What runAnalysisThreaded makes besides the stages' results. */
export interface ThreadedAnalysisOptions {
  /** Make the two surfaces (default true); false leaves them out (meshes null: `batch` without --meshes writes none). */
  meshes?: boolean;
}

/**
 * runAnalysis on two threads: as soon as the masks are made, the internal
 * structures' marching cubes are offered to the worker thread (started here
 * if startAnalysisThread was not called), and the lung surface as soon as
 * the measured mask is known, while this thread runs the inclusive mask,
 * GK, the split and densitometry; it meshes either surface itself when the
 * worker has not started it by then. The split makes runs per label, not a
 * label volume (splitLabelVolume paints one when a file needs it). Same
 * stages, same results; timings as runAnalysis reports them, each stage
 * timed on the thread that ran it, `total` the wall time.
 */
export async function runAnalysisThreaded(volume: Volume, input?: AnalysisParamsInput, opts?: { meshes?: true }): Promise<AnalysisResult>;
export async function runAnalysisThreaded(volume: Volume, input: AnalysisParamsInput, opts: ThreadedAnalysisOptions): Promise<AnyAnalysisResult>;
export async function runAnalysisThreaded(volume: Volume, input: AnalysisParamsInput = {}, opts: ThreadedAnalysisOptions = {}): Promise<AnyAnalysisResult> {
  const params = resolveAnalysisParams(input);
  const withMeshes = opts.meshes ?? true;
  const t0 = nowMs();
  const useThread = startAnalysisThread();
  requestGkStart(params.gk, volume.nx * volume.ny);
  const seg = segmentStage(volume, { ...params, withMasks: true });
  const [inner, internalMs] = timed(() => internalStage(volume, seg.runs));
  const internalSource = internalMeshSource(inner.internal);
  const internalJob = withMeshes ? offer(useThread, internalSource, params.mesh) : null;
  const inclusive = params.lungMask === 'inclusive' ? inclusiveStage(volume, seg.runs.fill, params.inclusive) : null;
  const measured = measuredLungRuns(params.lungMask, seg.runs, inclusive);
  // The measured mask's runs: what the worker can be sent, and swept as fast as painted voxels.
  const lungSource: MeshSource = { runs: measured, geometry: volume };
  const lungJob = withMeshes ? offer(useThread, lungSource, params.mesh) : null;
  // Lets the worker's drawn GK start (a message waiting in the event loop) arrive before GK.
  if (useThread) await new Promise((resolve) => setImmediate(resolve));
  const [gk, gkMs] = timed(() => gkStage(volume, seg.runs.fill, params.gk));
  const [split, splitMs] = params.split ? timed(() => splitStage(volume, measured, { withRuns: true })) : [null, 0];
  const [dens, densMs] = params.densitometry ? timed(() => densitometryStage(volume, split, params.densitometry!)) : [null, 0];
  const outputs = { seg, inner, internalMs, gk, gkMs, inclusive, split, splitMs, densitometry: dens, densitometryMs: densMs };
  if (!internalJob || !lungJob) return assembleAnalysisResult(volume, params, { ...outputs, meshLung: null, meshInternal: null }, nowMs() - t0);
  const [meshInternal, internalBy] = await meshOf(internalJob, () => internalSource, params.mesh);
  const [meshLung] = await meshOf(lungJob, () => lungSource, params.mesh);
  lastInternalMeshBy = internalBy;
  return assembleAnalysisResult(volume, params, { ...outputs, meshLung, meshInternal }, nowMs() - t0);
}
